"""The sentences of the door, the staff area and the private services' refusals
(``bot/content/web.yml``), loaded and checked once. No Starlette here: Rasa's REST channel and
the action server read their refusals from it too."""

from __future__ import annotations

from bot.content_files import CONTENT_DIR
from bot.messages import PhraseFile

# Every sentence of the door and the staff area (bot/content/web.yml), with its placeholders.
WEB_PHRASES = PhraseFile(
    CONTENT_DIR / "web.yml",
    {
        "error_400": (),
        "error_404": (),
        "error_405": (),
        "error_413": (),
        "error_415": (),
        "error_429": (),
        "error_500": (),
        "title_404": (),
        "title_500": (),
        "title_server_error": (),
        "title_refused": (),
        "json_required": (),
        "invalid_length": (),
        "too_large": ("limit",),
        "invalid_json": (),
        "json_not_object": (),
        "invalid_sender": (),
        "invalid_question_id": (),
        "invalid_message_id": (),
        "message_not_text": (),
        "message_invalid_characters": (),
        "message_empty": (),
        "message_too_long": ("length", "maximum"),
        "too_many_messages": ("plural", "seconds"),
        "assistant_unavailable": (),
        "assistant_no_answer": (),
        "assistant_too_slow": (),
        "socket_failed": (),
        "socket_refused_connection": (),
        "socket_invalid_request": (),
        "bad_host": (),
        "cors_refused": (),
        "report_not_found": (),
        "report_profile_section": (),
        "private_unconfigured": (),
        "private_bad_secret": ("header",),
        "private_too_nested": (),
        "private_bad_body": (),
        "repeat_bad_body": ("example",),
        "staff_csrf_refused": (),
        "staff_login_required": (),
        "staff_administrator_required": (),
        "staff_login_failed": (),
        "staff_throttled_login_client": (),
        "staff_throttled_login_pair": (),
        "staff_throttled_login_account": (),
        "staff_not_yourself": (),
        "staff_passwords_differ": (),
        "staff_password_changed": (),
        "staff_account_not_created": ("error",),
        "staff_account_created": ("email", "role"),
        "staff_account_unknown": (),
        "staff_role_changed": ("email", "role"),
        "staff_account_confirm_delete": (),
        "staff_account_deleted": ("email",),
        "staff_conversation_unknown": (),
        "staff_conversation_reviewed": (),
        "staff_conversation_unreviewed": (),
        "staff_labels_saved": (),
        "staff_note_too_long": ("maximum",),
        "staff_note_saved": (),
        "staff_note_cleared": (),
        "staff_correction_refused": ("error",),
        "staff_correction_saved": ("intent", "text"),
        "staff_conversation_confirm_delete": (),
        "staff_conversation_deleted": ("diagnostics", "events"),
        "staff_correction_deleted": (),
        "staff_correction_unknown": (),
        "staff_peers_no_diagnostic": (),
        "staff_peers_excluded": (),
        "staff_peers_included": (),
        "staff_retention_days": ("maximum",),
        "staff_retention_confirm": (),
        "staff_retention_dry_run": ("conversations", "days", "diagnostics", "events"),
        "staff_retention_done": ("conversations", "days", "diagnostics", "events"),
    },
)
WEB_MESSAGES_PATH = WEB_PHRASES.path
REQUIRED_WEB_MESSAGES = WEB_PHRASES.required


# The sentences, checked once at first use, and one of them with its placeholders filled in.
web_messages = WEB_PHRASES.messages
web_text = WEB_PHRASES.text
