"""The staff area, at /equipe/: login, conversations, corrections, dashboard, exports, accounts.

Every route is built by :func:`bot.web.staff.auth.staff_route`: nothing is reachable
without a session but the login page, every posted form carries a CSRF token, and the
routes marked ``role=ADMIN`` (exports, deletion, purge, accounts, exclusion from the comparison
with peers) refuse reviewers (403).
The pages call :class:`bot.review.Review` (``request.app.state.review``).
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from bot.web.staff import accounts, conversations, corrections, dashboard, groups, login, peers, retention
from bot.web.staff.auth import ADMINISTRATOR as ADMIN
from bot.web.staff.auth import View, staff_route
from bot.web.staff.sessions import PREFIX, SESSION_COOKIE, StaffSessionMiddleware

__all__ = ["PREFIX", "ROUTES", "SESSION_COOKIE", "StaffSessionMiddleware"]


def _page(path: str, view: View, name: str, **options: Any) -> Route:
    """A page of the staff area at ``PREFIX + path`` (GET, unless ``methods`` says otherwise)."""
    return staff_route(PREFIX + path, view, name=name, **options)


def _form(path: str, view: View, name: str, **options: Any) -> Route:
    """Where a staff form posts (POST only)."""
    return staff_route(PREFIX + path, view, name=name, methods=("POST",), **options)


ROUTES = [
    _page("/connexion", login.login, "staff_login", methods=("GET", "POST"), login=False),
    _form("/deconnexion", login.logout, "staff_logout"),
    _page("/", conversations.conversation_list, "staff_list"),
    _page("/conversations/{sender_id:path}", conversations.conversation, "staff_conversation"),
    _form("/relecture/relue", conversations.mark_reviewed, "staff_mark"),
    _form("/relecture/etiquettes", conversations.set_tags, "staff_tags"),
    _form("/relecture/note", conversations.set_note, "staff_note"),
    _form("/relecture/correction", conversations.correct_turn, "staff_correct"),
    _form("/relecture/suppression", conversations.delete_conversation, "staff_delete", role=ADMIN),
    _form("/relecture/comparaison", peers.set_excluded, "staff_peers_exclusion", role=ADMIN),
    _page("/corrections", corrections.corrections_page, "staff_corrections"),
    _form("/corrections/suppression", corrections.delete_correction, "staff_delete_correction"),
    _page(f"/corrections/{corrections.EXPORT_NAME}", corrections.export_nlu, "staff_export_nlu", role=ADMIN),
    _page("/tableau-de-bord", dashboard.dashboard, "staff_dashboard"),
    _page("/groupes", groups.group_list, "staff_groups"),
    _page("/groupes/{group_id}", groups.group_detail, "staff_group"),
    _page("/exports", dashboard.exports_page, "staff_exports", role=ADMIN),
    _page("/exports/diagnostics.csv", dashboard.diagnostics_csv, "staff_export_csv", role=ADMIN),
    _page("/exports/diagnostics.json", dashboard.diagnostics_json, "staff_export_json", role=ADMIN),
    _page("/exports/transcriptions.json", dashboard.transcripts_json, "staff_export_transcripts", role=ADMIN),
    _page("/mot-de-passe", accounts.change_password, "staff_password", methods=("GET", "POST")),
    _page("/comptes", accounts.accounts_page, "staff_accounts", role=ADMIN),
    _form("/comptes/ajout", accounts.add_account, "staff_account_add", role=ADMIN),
    _form("/comptes/role", accounts.change_role, "staff_account_role", role=ADMIN),
    _form("/comptes/suppression", accounts.remove_account, "staff_account_remove", role=ADMIN),
    _page("/conservation", retention.retention_page, "staff_retention", role=ADMIN),
    _form("/conservation/purge", retention.purge, "staff_purge", role=ADMIN),
]
