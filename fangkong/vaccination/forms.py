from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.vaccination.models import Product


class DosesUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Vaccination records (CSV or Excel)"),
        help_text=_("Columns: 身份证号,姓名,疫苗,剂次,接种日期,接种单位 (optional 接种单位编码,批号), "
                    "or id_number,name,product,dose,date,site,site_code,batch."))


class ProductForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=30,
                           help_text=_("An existing code changes that product; a new code adds one."))
    name = forms.CharField(label=_("Product name"), max_length=80)
    maker = forms.CharField(label=_("Maker"), max_length=80, required=False)
    route = forms.ChoiceField(label=pgettext_lazy("vaccination", "Route"), choices=Product.Route.choices)
    aliases = forms.CharField(label=_("Other names in the files"), max_length=500, required=False,
                              help_text=_("Separated by ;"))
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=1000, initial=100)
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)
