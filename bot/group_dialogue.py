"""The diagnostic conversation with groups (issue 14): inviting colleagues, joining, the service.

:class:`GroupConversation` is the engine of :mod:`bot.dialogue` plus three things:

- "je voudrais associer mes collègues" (or "diagnostic de groupe"), at any moment, makes the
  person's diagnostic the founder of a group and gives the invitation address;
- a message holding an invitation (its address ``…/groupe/<token>``, or
  "rejoindre le groupe <token>", which the widget sends when opened with a token) starts a
  diagnostic of that group: the authority's profile is the group's, so it is not asked again;
- a group member is asked which service they answer for (the group's own role question,
  ``bot/content/groups.yml``) instead of the usual role question, after being told that the
  answers are shared with the group by service, never by name.

Both commands are read by the engine before anything else (:meth:`in_context`, which every
Rasa action calls first), so they need no intent of their own.
"""

from __future__ import annotations

import re
from typing import Any

from bot.answers import AnswerMap, Interpretation
from bot.authorities.normalise import words
from bot.dialogue import DiagnosticConversation, Reply
from bot.group_content import RESPONDENT_ROLE_QUESTION, GroupContent, default_group_content
from bot.questionnaire import Question
from bot.records import OPEN_STATUSES
from bot.settings import group_invitation_path, group_report_path, report_url
from bot.storage import DiagnosticRecord
from bot.storage.groups import GroupClosedError, GroupRecord, GroupStore

# An invitation: its address, or the words the widget sends with the token.
# The token is every URL-safe character up to the next other one: it may end with "-", where a
# word boundary (\b) would cut it short.
_INVITATION = re.compile(
    r"(?:/groupe/|\brejoindre le groupe\s+)([A-Za-z0-9_-]{16,64})(?![A-Za-z0-9_-])", re.IGNORECASE
)
_INVITE_VERBS = frozenset({"associer", "inviter", "convier", "impliquer", "ajouter"})
_COLLEAGUES = frozenset({"collegue", "collegues"})
_GROUP_WORDS = ("diagnostic de groupe", "diagnostic collectif", "diagnostic a plusieurs")
MAX_COMMAND_LENGTH = 200


def asks_to_invite(text: str) -> bool:
    """ "Je voudrais associer mes collègues", "inviter des collègues", "un diagnostic de groupe"."""
    if len(text) > MAX_COMMAND_LENGTH:
        return False
    tokens = words(text)
    joined = f" {' '.join(tokens)} "
    if any(f" {phrase} " in joined for phrase in _GROUP_WORDS):
        return True
    return bool(_INVITE_VERBS & set(tokens)) and bool(_COLLEAGUES & set(tokens))


def invitation_token(text: str) -> str | None:
    match = _INVITATION.search(text) if len(text) <= MAX_COMMAND_LENGTH else None
    return match.group(1) if match else None


class GroupConversation(DiagnosticConversation):
    def __init__(
        self, *args: Any, public_url: str, groups: GroupContent | None = None, **kwargs: Any
    ) -> None:
        """``public_url``: the site's address, for the report and the group's invitation and report."""
        super().__init__(*args, report_url=report_url(public_url), **kwargs)
        self.public_url = public_url
        self.group_content = groups if groups is not None else default_group_content()
        self.groups = GroupStore(self.store)

    # --- the commands ------------------------------------------------------------------

    def in_context(self, sender_id: str, text: str | None, *args: Any, **kwargs: Any) -> list[Reply] | None:
        if text and not text.startswith("/"):
            token = invitation_token(text)
            if token is not None:
                return self.join_group(sender_id, token)
            if asks_to_invite(text):
                return self.invite(sender_id)
        return super().in_context(sender_id, text, *args, **kwargs)

    def invite(self, sender_id: str) -> list[Reply]:
        """The invitation address of the person's group (created on the first request)."""
        say = self.group_content.messages.say
        with self.store.turn():
            record = self.store.latest_for_sender(sender_id)
            if record is None:
                return [Reply(say("invitation_needs_a_diagnostic"), buttons=self._start_buttons())]
            group = self.groups.create(record.id)
            links = self.group_links(group)
            text = say(
                "invitation", invitation_url=links["invitation_url"], report_url=links["group_report_url"]
            )
            invitation = Reply(text, custom={"type": "group_invitation", **links})
            return [invitation, *self.current_question(sender_id)]

    def join_group(self, sender_id: str, token: str) -> list[Reply]:
        """Start (or resume) this person's diagnostic in the group the invitation names."""
        say = self.group_content.messages.say
        with self.store.turn():
            group = self.groups.by_invitation(token)
            if group is None:
                return [Reply(say("unknown_invitation"), buttons=self._start_buttons())]
            record = self.store.latest_for_sender(sender_id)
            joined = record is not None and record.group_id == group.id
            if joined and record.status in (*OPEN_STATUSES, "termine"):
                if record.status == "termine":
                    return [self._finished_reply()]
                return [Reply(say("joined_again")), *self._resume(record)[1:]]
            try:
                record = self.groups.join(group.id, sender_id)
            except GroupClosedError:
                return [Reply(say("closed"), buttons=self._start_buttons())]
            authority = group.authority_name or say("unknown_authority")
            intro = [Reply(say("joined", authority=authority)), Reply(say("shared_notice"))]
            return [*intro, *self._ask_next(record)]

    # --- the group's own role question --------------------------------------------------

    @property
    def role_question(self) -> Question:
        return self.group_content.role_question

    def _next_question(self, record: DiagnosticRecord, answers: AnswerMap) -> Question | None:
        if record.group_id is None or self._is_founder(record):
            return super()._next_question(record, answers)
        if self.role_question.id not in answers:
            return self.role_question
        return next(
            (
                q
                for q in self.questionnaire.questions
                if q.id not in answers and q.id != RESPONDENT_ROLE_QUESTION
            ),
            None,
        )

    def _is_founder(self, record: DiagnosticRecord) -> bool:
        group = self.groups.of_diagnostic(record.id)
        return group is not None and group.coordinator_id == record.id

    def _asked_question(self, record: DiagnosticRecord) -> Question:
        if (record.revising_question_id or record.current_question_id) == self.role_question.id:
            return self.role_question
        return super()._asked_question(record)

    def _position(self, question: Question) -> int:
        # The service question stands where the usual role question stands.
        if question.id == self.role_question.id:
            return self.questionnaire.position(RESPONDENT_ROLE_QUESTION)
        return super()._position(question)

    def _before_storing(
        self, record: DiagnosticRecord, question: Question, interpretation: Interpretation
    ) -> DiagnosticRecord:
        if question.id == self.role_question.id and not interpretation.unknown:
            return self.groups.set_role(record.id, str(interpretation.value))
        return record

    def _finish(self, record: DiagnosticRecord, answers: AnswerMap) -> list[Reply]:
        replies = super()._finish(record, answers)
        group = self.groups.of_diagnostic(record.id)
        if group is None:
            return replies
        url = self.report_url(group)
        return [*replies, Reply(self.group_content.messages.say("member_report", url=url))]

    # --- addresses ---------------------------------------------------------------------

    def invitation_url(self, group: GroupRecord) -> str:
        return self.public_url + group_invitation_path(group.invitation_token)

    def report_url(self, group: GroupRecord) -> str:
        return self.public_url + group_report_path(group.report_token)

    def group_links(self, group: GroupRecord) -> dict[str, str]:
        return {"invitation_url": self.invitation_url(group), "group_report_url": self.report_url(group)}
