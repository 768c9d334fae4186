"""The Atom feed of the notices that apply to a node (public)."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from fangkong.notices import selectors

FEED_SIZE = 50


class NodeNoticesFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, node: int):
        return selectors.public_node_get(node=node)

    def title(self, unit):
        return _("Public notices for %(node)s") % {"node": unit.name}

    def link(self, unit):
        return reverse("notices:node", kwargs={"node": unit.pk})

    def subtitle(self, unit):
        return _("Notices in force that apply to %(node)s") % {"node": unit.name}

    def items(self, unit):
        return selectors.notices_for_node(unit)[:FEED_SIZE]

    def item_title(self, notice):
        return notice.title

    def item_description(self, notice):
        return notice.body

    def item_link(self, notice):
        return reverse("notices:public", kwargs={"number": notice.number})

    def item_pubdate(self, notice):
        return notice.effective_at

    def item_updateddate(self, notice):
        return notice.published_at

    def item_author_name(self, notice):
        return notice.unit.name
