from django import template

from referrals.timeline import event_label

register = template.Library()
register.simple_tag(event_label)
