import pytest
from django.utils import translation

from fangkong.accounts.roles import CAPABILITIES, Role
from fangkong.core.navigation import MENU, NavGroup, menu_for


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _entries():
    for node in MENU:
        yield from (node.entries if isinstance(node, NavGroup) else (node,))


def test_every_menu_entry_names_a_page():
    # reverse() inside menu_for raises on a misspelt url name; the full set of capabilities shows every entry.
    everything = frozenset().union(*CAPABILITIES.values())
    shown = {link.url for item in menu_for(everything) for link in item.links}
    assert len(shown) == sum(1 for entry in _entries() if not entry.unless)


def test_a_grid_worker_sees_their_pages_and_no_command_menu():
    labels = [str(item.label) for item in menu_for(CAPABILITIES[Role.GRID_WORKER])]
    assert "Inbox" in labels
    assert "Situation" not in labels and "Command" not in labels


def test_the_transfer_team_sees_trips_where_the_site_staff_see_sites():
    transfer_only = frozenset({"isolation.transfer"})
    def shown(caps):
        return {str(link.label) for item in menu_for(caps) for link in item.links}

    assert "Transfers" in shown(transfer_only) and "Isolation" not in shown(transfer_only)
    site = frozenset({"isolation.view", "isolation.transfer"})
    assert "Isolation" in shown(site) and "Transfers" not in shown(site)


def test_hq_pages_are_grouped_into_a_few_menus(client, hq):
    client.force_login(hq)
    page = client.get("/tasks/").content.decode()
    assert page.count('class="dropdown"') >= 3
    assert 'href="/command/"' in page
