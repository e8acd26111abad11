"""Transcript review for the platform's staff (issue 4): the data layer under the staff pages.

:class:`Review` reads Rasa's tracker store and the diagnostic store and records what
staff decide; :class:`StaffAccounts` holds the staff's accounts. Nothing here imports
Rasa or the web framework; nothing connects to a database at import time.
"""

from bot.charts.bars import bar_chart_svg
from bot.review.accounts import AccountError, StaffAccounts, StaffUser
from bot.review.conversations import ConversationSummary
from bot.review.dashboard import Chart, Dashboard
from bot.review.deletion import DeletionReport, DurationError, parse_duration
from bot.review.filters import ConversationFilters, Page, ReviewInputError, page_params
from bot.review.marks import ReviewState
from bot.review.nlu import Correction, NluExport, export_nlu
from bot.review.service import ConversationDetail, FilterOptions, FlaggedMessage, Review
from bot.review.tracker import TrackerEvents, make_tracker_engine, tracker_url
from bot.review.transcript import Turn
from bot.settings import ReviewSettings, load_review_settings

__all__ = [
    "AccountError",
    "Chart",
    "ConversationDetail",
    "ConversationFilters",
    "ConversationSummary",
    "Correction",
    "Dashboard",
    "DeletionReport",
    "DurationError",
    "FilterOptions",
    "FlaggedMessage",
    "NluExport",
    "Page",
    "Review",
    "ReviewInputError",
    "ReviewSettings",
    "ReviewState",
    "StaffAccounts",
    "StaffUser",
    "TrackerEvents",
    "Turn",
    "bar_chart_svg",
    "export_nlu",
    "load_review_settings",
    "make_tracker_engine",
    "page_params",
    "parse_duration",
    "tracker_url",
]
