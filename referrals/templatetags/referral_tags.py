from django import template
from django.utils.html import format_html_join

from referrals.timeline import event_label
from referrals.work import news_key

register = template.Library()
register.simple_tag(event_label)


@register.filter
def is_news(row, news) -> bool:
    """`{% if e|is_news:news %}`: the event or message is unread for the viewer."""
    return bool(news) and news_key(row) in news


@register.filter
def number_cells(counts) -> str:
    """`{{ row|number_cells }}`: a table row's counts as cells, in one call (the figures' tables
    hold thousands of them; a template loop localises each one)."""
    return format_html_join("", '<td class="number">{}</td>', ((n,) for n in counts))
