"""The staff area, at /equipe/: login, conversations, corrections, dashboard, exports, accounts.

Every route is built by :func:`bot.web.staff.auth.staff_route`: nothing is reachable
without a session but the login page, every posted form carries a CSRF token, and the
routes marked ``role=ADMIN`` (exports, deletion, purge, accounts, exclusion from the comparison
with peers) refuse reviewers (403).
The pages call :class:`bot.review.Review` (``request.app.state.review``).
"""

from __future__ import annotations

from bot.web.staff import accounts, conversations, corrections, dashboard, groups, login, peers, retention
from bot.web.staff.auth import ADMINISTRATOR as ADMIN
from bot.web.staff.auth import staff_route
from bot.web.staff.sessions import PREFIX, SESSION_COOKIE, StaffSessionMiddleware

__all__ = ["PREFIX", "ROUTES", "SESSION_COOKIE", "StaffSessionMiddleware"]

P = PREFIX
ROUTES = [
    staff_route(f"{P}/connexion", login.login, name="staff_login", methods=("GET", "POST"), login=False),
    staff_route(f"{P}/deconnexion", login.logout, name="staff_logout", methods=("POST",)),
    staff_route(f"{P}/", conversations.conversation_list, name="staff_list"),
    staff_route(
        f"{P}/conversations/{{sender_id:path}}", conversations.conversation, name="staff_conversation"
    ),
    staff_route(f"{P}/relecture/relue", conversations.mark_reviewed, name="staff_mark", methods=("POST",)),
    staff_route(f"{P}/relecture/etiquettes", conversations.set_tags, name="staff_tags", methods=("POST",)),
    staff_route(f"{P}/relecture/note", conversations.set_note, name="staff_note", methods=("POST",)),
    staff_route(
        f"{P}/relecture/correction", conversations.correct_turn, name="staff_correct", methods=("POST",)
    ),
    staff_route(
        f"{P}/relecture/suppression",
        conversations.delete_conversation,
        name="staff_delete",
        methods=("POST",),
        role=ADMIN,
    ),
    staff_route(
        f"{P}/relecture/comparaison",
        peers.set_excluded,
        name="staff_peers_exclusion",
        methods=("POST",),
        role=ADMIN,
    ),
    staff_route(f"{P}/corrections", corrections.corrections_page, name="staff_corrections"),
    staff_route(
        f"{P}/corrections/suppression",
        corrections.delete_correction,
        name="staff_delete_correction",
        methods=("POST",),
    ),
    staff_route(
        f"{P}/corrections/{corrections.EXPORT_NAME}",
        corrections.export_nlu,
        name="staff_export_nlu",
        role=ADMIN,
    ),
    staff_route(f"{P}/tableau-de-bord", dashboard.dashboard, name="staff_dashboard"),
    staff_route(f"{P}/groupes", groups.group_list, name="staff_groups"),
    staff_route(f"{P}/groupes/{{group_id}}", groups.group_detail, name="staff_group"),
    staff_route(f"{P}/exports", dashboard.exports_page, name="staff_exports", role=ADMIN),
    staff_route(
        f"{P}/exports/diagnostics.csv", dashboard.diagnostics_csv, name="staff_export_csv", role=ADMIN
    ),
    staff_route(
        f"{P}/exports/diagnostics.json", dashboard.diagnostics_json, name="staff_export_json", role=ADMIN
    ),
    staff_route(
        f"{P}/exports/transcriptions.json",
        dashboard.transcripts_json,
        name="staff_export_transcripts",
        role=ADMIN,
    ),
    staff_route(
        f"{P}/mot-de-passe", accounts.change_password, name="staff_password", methods=("GET", "POST")
    ),
    staff_route(f"{P}/comptes", accounts.accounts_page, name="staff_accounts", role=ADMIN),
    staff_route(
        f"{P}/comptes/ajout", accounts.add_account, name="staff_account_add", methods=("POST",), role=ADMIN
    ),
    staff_route(
        f"{P}/comptes/role", accounts.change_role, name="staff_account_role", methods=("POST",), role=ADMIN
    ),
    staff_route(
        f"{P}/comptes/suppression",
        accounts.remove_account,
        name="staff_account_remove",
        methods=("POST",),
        role=ADMIN,
    ),
    staff_route(f"{P}/conservation", retention.retention_page, name="staff_retention", role=ADMIN),
    staff_route(
        f"{P}/conservation/purge", retention.purge, name="staff_purge", methods=("POST",), role=ADMIN
    ),
]
