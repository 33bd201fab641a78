from django import template

from referrals.timeline import event_label
from referrals.work import news_key

register = template.Library()
register.simple_tag(event_label)


@register.filter
def is_news(row, news) -> bool:
    """`{% if e|is_news:news %}`: the event or message is unread for the viewer."""
    return bool(news) and news_key(row) in news
