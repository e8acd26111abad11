"""Benchmark of the staff review's data layer on 10,000 conversations (``make bench-review``).

Seeds temporary stores — by default two SQLite files, as in development; ``--database-url``
and ``--tracker-url`` point it at PostgreSQL instead — with diagnostics (answers, results)
and Rasa tracker events shaped like the ones the Rasa server writes (session start, then
per message: user, user_featurization, action, one or two bot messages, action_listen;
about 20 events per conversation). Then it times what the staff pages call, repeated,
and prints the medians; the report goes to benchmarks/review.md (machine and date).

Timings are measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from bot.questionnaire import default_questionnaire  # noqa: E402
from bot.review import ConversationFilters, Review, ReviewSettings, TrackerEvents, make_tracker_engine  # noqa: E402
from bot.review.tracker import events as events_table  # noqa: E402
from bot.storage import DiagnosticStore  # noqa: E402
from bot.storage.models import AnswerRow, Diagnostic, ResultRow  # noqa: E402
from evaluation.machine import summary as machine_summary  # noqa: E402

NOW = datetime.now(timezone.utc).replace(microsecond=0)
METADATA = {
    "model_id": "7c8171a4773d41a9af4570f004b9fe00",
    "assistant_id": "diagnostic-territoire-intelligent",
}
INTENTS = [
    "answer", "dont_know", "ask_why", "ask_definition", "skip", "correct_previous", "pause", "restart",
    "greet", "goodbye", "thank", "bot_challenge", "insult", "out_of_scope", "other_language", "help",
    "start_diagnostic",
]  # fmt: skip
TYPED = [
    "oui", "non", "en partie", "pas encore", "on a commencé mais rien n'est formalisé", "aucune idée",
    "environ douze mille habitants", "à peu près 180 agents", "je suis DST", "une commune",
    "des LED et la télérelève de l'eau", "pourquoi cette question ?", "c'est quoi l'interopérabilité ?",
    "je reprendrai plus tard", "du stationnement plus simple et un meilleur éclairage la nuit",
    "oui, une enquête en 2023", "pas du tout", "on a un budget participatif", "4 sur 5", "passer",
]  # fmt: skip
ODD = ["blablabla", "xkq wpz", "le chat de ma voisine", "??", "hmm bof", "bonjour je voudrais un devis"]
WORDS = [
    "mairie",
    "commune",
    "agglo",
    "voirie",
    "école",
    "bâtiment",
    "énergie",
    "capteur",
    "données",
    "budget",
]
TYPES = [
    ("commune", 0.6),
    ("intercommunalite", 0.25),
    ("departement", 0.08),
    ("region", 0.02),
    ("autre", 0.05),
]
ACTIONS = ["eclairage_public", "batiments", "relation_usagers", "donnees_ouvertes", "participation", "eau"]


def pick(weights: list[tuple[str, float]]) -> str:
    return random.choices([value for value, _ in weights], [weight for _, weight in weights])[0]


class EventWriter:
    """Rows of Rasa's events table, with JSON data shaped like Rasa 3.6's."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(
        self,
        sender: str,
        kind: str,
        at: float,
        data: dict,
        intent: str | None = None,
        action: str | None = None,
    ):
        data = {"event": kind, "timestamp": at, "metadata": METADATA, **data}
        self.rows.append(
            {
                "sender_id": sender,
                "type_name": kind,
                "timestamp": at,
                "intent_name": intent,
                "action_name": action,
                "data": json.dumps(data),
            }
        )

    def action(self, sender: str, at: float, name: str) -> None:
        policy = None if name == "action_session_start" else "RulePolicy"
        data = {
            "name": name,
            "policy": policy,
            "confidence": 1.0,
            "action_text": None,
            "hide_rule_turn": False,
        }
        self.add(sender, "action", at, data, action=name)

    def user(self, sender: str, at: float, text: str, intent: str, confidence: float) -> None:
        ranking = [{"name": intent, "confidence": confidence}] + [
            {"name": other, "confidence": round(random.random() * (1 - confidence) / 3, 6)}
            for other in random.sample([i for i in INTENTS if i != intent], 9)
        ]
        message_id = uuid.uuid4().hex
        parse_data = {
            "intent": {"name": intent, "confidence": confidence},
            "entities": [],
            "text": text,
            "message_id": message_id,
            "metadata": {},
            "text_tokens": [[i, i + 1] for i in range(0, len(text), 5)],
            "intent_ranking": ranking,
        }
        data = {"text": text, "parse_data": parse_data, "input_channel": "rest", "message_id": message_id}
        self.add(sender, "user", at, data, intent=intent)
        self.add(sender, "user_featurization", at + 0.2, {"use_text_for_featurization": False})

    def bot(self, sender: str, at: float, text: str, question: str | None) -> None:
        custom = None if question is None else {"type": "question", "question_id": question, "position": 3}
        payload = {
            "elements": None,
            "quick_replies": None,
            "buttons": None,
            "attachment": None,
            "image": None,
        }
        self.add(sender, "bot", at, {"text": text, "data": {**payload, "custom": custom}})


def seed(store: DiagnosticStore, tracker: TrackerEvents, conversations: int) -> dict[str, float]:
    questionnaire = default_questionnaire()
    question_ids = [question.id for question in questionnaire.questions]
    tracker.create_table()
    diagnostics, answers, results = [], [], []
    writer = EventWriter()
    answer_id = 0
    started = time.perf_counter()
    for number in range(conversations):
        sender = f"bench-{number:05d}-{uuid.uuid4().hex[:8]}"
        start = NOW - timedelta(days=random.uniform(0, 365), minutes=random.uniform(0, 600))
        t = start.timestamp()
        writer.action(sender, t, "action_session_start")
        writer.add(sender, "session_started", t, {})
        writer.action(sender, t, "action_listen")
        exchanges = random.choice([2, 3, 3, 3, 4])
        for _ in range(exchanges):
            t += random.uniform(5, 90)
            if random.random() < 0.08:
                text, intent, confidence = random.choice(ODD), "nlu_fallback", 0.5
            else:
                text = random.choice(TYPED)
                if random.random() < 0.3:
                    text += " " + " ".join(random.sample(WORDS, 2))
                intent = "answer" if random.random() < 0.7 else random.choice(INTENTS)
                confidence = 1.0 if random.random() < 0.8 else round(random.uniform(0.35, 1.0), 4)
            writer.user(sender, t, text, intent, confidence)
            writer.action(sender, t + 0.3, "action_answer")
            writer.bot(sender, t + 0.31, "C'est noté.", None)
            writer.bot(sender, t + 0.32, "Question suivante ?", random.choice(question_ids))
            writer.action(sender, t + 0.35, "action_listen")
        finished = random.random() < 0.45
        status = "termine" if finished else random.choice(["en_cours", "en_cours", "en_pause", "abandonne"])
        reached = len(question_ids) if finished else random.randint(1, len(question_ids) - 1)
        diagnostic_id = number + 1
        end = datetime.fromtimestamp(t, timezone.utc)
        population = int(random.lognormvariate(8.5, 1.6))
        diagnostics.append(
            {
                "id": diagnostic_id,
                "public_id": uuid.uuid4().hex + uuid.uuid4().hex[:8],
                "sender_id": sender,
                "status": status,
                "current_question_id": None if finished else question_ids[reached],
                "failed_attempts": 0,
                "authority_type": pick(TYPES),
                "population": population,
                "agents": max(1, population // 70),
                "created_at": start,
                "updated_at": end,
                "completed_at": end if finished else None,
            }
        )
        for question_id in question_ids[:reached]:
            answer_id += 1
            answers.append(
                {
                    "id": answer_id,
                    "diagnostic_id": diagnostic_id,
                    "question_id": question_id,
                    "value": random.choice(["oui", "non", "en_partie"]),
                    "status": "answered",
                    "raw_text": "oui",
                    "answered_at": end,
                }
            )
        if finished:
            level = random.choice([1, 2, 2, 3, 3, 3, 4, 5])
            action = random.choice(ACTIONS)
            results.append(
                {
                    "diagnostic_id": diagnostic_id,
                    "overall_score": 20.0 * level - 10,
                    "level": level,
                    "recommended_action": action,
                    "maturity": {"overall": {"score": 20.0 * level - 10, "level": level}},
                    "recommendation": {"codes": [action]},
                    "computed_at": end,
                }
            )
    generated = time.perf_counter() - started
    started = time.perf_counter()
    with store.engine.begin() as connection:
        for table, rows in ((Diagnostic.__table__, diagnostics), (AnswerRow.__table__, answers)):
            for i in range(0, len(rows), 5000):
                connection.execute(insert(table), rows[i : i + 5000])
        connection.execute(insert(ResultRow.__table__), results)
    with tracker.engine.begin() as connection:
        for i in range(0, len(writer.rows), 5000):
            connection.execute(insert(events_table), writer.rows[i : i + 5000])
    return {
        "events": len(writer.rows),
        "answers": len(answers),
        "generate_s": generated,
        "insert_s": time.perf_counter() - started,
    }


def median_ms(function: Callable[[], object], repeat: int) -> tuple[float, float]:
    function()  # warm-up
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), max(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--database-url", default=None, help="empty database (default: a temporary SQLite file)"
    )
    parser.add_argument(
        "--tracker-url", default=None, help="empty tracker database (default: temporary SQLite)"
    )
    parser.add_argument(
        "--output",
        default=None,
        help="report (default: benchmarks/review.md, review-postgresql.md on PostgreSQL)",
    )
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    random.seed(args.seed)

    with tempfile.TemporaryDirectory(prefix="bench-review-") as folder:
        database_url = args.database_url or f"sqlite:///{Path(folder) / 'diagnostic.db'}"
        tracker_url = args.tracker_url or f"sqlite:///{Path(folder) / 'tracker.db'}"
        store = DiagnosticStore.from_url(database_url)
        tracker = TrackerEvents(make_tracker_engine(tracker_url))
        print(f"Création de {args.conversations} conversations…", file=sys.stderr)
        seeded = seed(store, tracker, args.conversations)
        review = Review(store, tracker, ReviewSettings())

        started = time.perf_counter()
        review.refresh()
        full_refresh = time.perf_counter() - started
        rows: list[tuple[str, float, float]] = []

        def measure(label: str, function: Callable[[], object], repeat: int = args.repeat) -> None:
            median, worst = median_ms(function, repeat)
            rows.append((label, median, worst))
            print(f"{label:<62} médiane {median:8.1f} ms   max {worst:8.1f} ms", file=sys.stderr)

        senders = review.sender_ids()
        filtered = ConversationFilters(
            status="termine", authority_type="commune", population_min=3500, min_flagged=1
        )
        measure("liste, première page (50), sans filtre", lambda: review.list_conversations())
        measure("liste, page 100", lambda: review.list_conversations(page=100))
        measure(
            "liste filtrée (statut, type, population, incompris)", lambda: review.list_conversations(filtered)
        )
        measure(
            "liste filtrée par niveau et action",
            lambda: review.list_conversations(ConversationFilters(level=3, action="batiments")),
        )
        measure(
            "recherche plein texte « éclairage »",
            lambda: review.list_conversations(ConversationFilters(search="éclairage")),
        )
        measure(
            "recherche « budget participatif » + filtre statut",
            lambda: review.list_conversations(
                ConversationFilters(search="budget participatif", status="termine")
            ),
        )
        measure(
            "recherche sans résultat", lambda: review.list_conversations(ConversationFilters(search="zzzz"))
        )
        measure(
            "tri par nombre de tours incompris",
            lambda: review.list_conversations(ConversationFilters(sort="incompris")),
        )
        picks = iter(random.choices(senders, k=args.repeat * 4 + 4))
        measure("détail d'une conversation", lambda: review.conversation_detail(next(picks)))

        writer = EventWriter()
        counter = iter(range(10**6))

        def one_new_conversation() -> None:
            sender = f"new-{next(counter)}"
            at = time.time()
            writer.rows.clear()
            writer.user(sender, at, "bonjour", "greet", 1.0)
            with tracker.engine.begin() as connection:
                connection.execute(insert(events_table), writer.rows)
            review.refresh()

        measure("rafraîchissement après un nouveau message", one_new_conversation)
        measure("tableau de bord", lambda: review.dashboard(), repeat=max(3, args.repeat // 3))
        measure(
            "export CSV des diagnostics (tous)", lambda: sum(1 for _ in review.diagnostics_csv()), repeat=3
        )
        review.close()

    backend = sqlalchemy.engine.make_url(database_url).get_backend_name()
    lines = [
        "# Benchmark de la relecture (données)",
        "",
        f"- date : {NOW.strftime('%Y-%m-%d %H:%M')} UTC",
        f"- machine : {machine_summary()}",
        f"- Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, base : {backend}"
        + (f" (SQLite {__import__('sqlite3').sqlite_version})" if backend == "sqlite" else ""),
        f"- {args.conversations} conversations, {seeded['events']} événements Rasa "
        f"({seeded['events'] / args.conversations:.1f} par conversation), {seeded['answers']} réponses",
        f"- construction initiale du modèle de lecture (une fois) : {full_refresh:.1f} s",
        f"- médiane de {args.repeat} mesures (après une mesure d'échauffement) ; chaque liste inclut la "
        "vérification des nouveaux événements (`refresh`) comme dans les pages",
        "",
        "| opération | médiane (ms) | max (ms) |",
        "|---|---:|---:|",
        *(f"| {label} | {median:.1f} | {worst:.1f} |" for label, median, worst in rows),
        "",
        "Commande : `make bench-review` (`scripts/bench_review.py --help` pour PostgreSQL).",
        "",
    ]
    name = "review.md" if backend == "sqlite" else f"review-{backend}.md"
    output = Path(args.output or ROOT / "benchmarks" / name)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
