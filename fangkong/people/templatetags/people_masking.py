from django import template

from fangkong.core.masking import mask_address, mask_id_number, mask_phone

register = template.Library()

register.filter("mask_id", mask_id_number)
register.filter("mask_phone", mask_phone)
register.filter("mask_address", mask_address)
