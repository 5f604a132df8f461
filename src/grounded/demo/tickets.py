"""Support tickets: a topic, a tone, details, sometimes a second topic, then noise."""

from __future__ import annotations

import random
from dataclasses import dataclass

from grounded.demo import tickets_platform as platform
from grounded.demo import tickets_reporting as reporting
from grounded.demo.noise import roughen
from grounded.demo.phrasebook import Topic
from grounded.demo.vocab import slot_values

TOPICS: tuple[Topic, ...] = (
    reporting.REBUILD,
    reporting.MISMATCH,
    reporting.EXPORT,
    reporting.SLOW,
    reporting.CONNECTOR,
    platform.SSO,
    platform.BILLING,
    platform.PERMISSIONS,
    platform.SCHEDULED,
    platform.CHARTS,
    platform.API,
    platform.ONBOARDING,
    platform.TIMEZONE,
    platform.MOBILE,
    platform.PRIVACY,
    platform.ALERTS,
)
OFF_TOPIC_SHARE = 0.06
MIXED_SHARE = 0.12

GREETINGS = {
    "polite": ("Hi team,", "Hello,", "Hi there,", "Good morning,", "Hi Fernhill support,"),
    "frustrated": ("Hi,", "Hello,", "", "Again:"),
    "terse": ("",),
    "chatty": ("Hey folks!", "Hi all, hope you're well.", "Hey there 👋", "Morning!"),
}
CLOSINGS = {
    "polite": ("Thanks in advance.", "Many thanks,", "Thank you!", "Kind regards,", "Best,"),
    "frustrated": (
        "This is really frustrating.",
        "Please fix this ASAP.",
        "We need an answer today.",
        "Third time I'm asking.",
        "Not happy about this.",
    ),
    "terse": ("", "Thx", "ty"),
    "chatty": ("Cheers!", "Thanks so much, you guys are great.", "Appreciate it 🙏", "Have a good one!"),
}
MIXERS = ("Also, unrelated: ", "Separately, ", "btw ", "One more thing: ", "While I have you, ")


@dataclass(frozen=True)
class Ticket:
    topic: str
    subject: str
    body: str


def fill(rng: random.Random, template: str) -> str:
    values = {name: rng.choice(options) for name, options in slot_values().items()}
    return template.format_map(values)


def compose(rng: random.Random, topic: Topic, signer: str) -> Ticket:
    """One ticket about ``topic``, signed by ``signer``."""
    tone = rng.choices(("polite", "frustrated", "terse", "chatty"), weights=(45, 20, 20, 15))[0]
    sentences = [fill(rng, rng.choice(topic.cores))]
    for detail in rng.sample(topic.details, k=rng.choice((0, 1, 1, 2))):
        sentences.append(fill(rng, detail))
    if rng.random() < MIXED_SHARE:
        other = rng.choice([t for t in TOPICS if t.key != topic.key])
        sentences.append(rng.choice(MIXERS) + _lower_first(fill(rng, rng.choice(other.cores))))
    if tone == "frustrated" and rng.random() < 0.5:
        sentences[0] = sentences[0].rstrip(".") + "!!"
    body = _assemble(rng, tone, sentences, signer)
    return Ticket(topic=topic.key, subject=roughen(rng, fill(rng, rng.choice(topic.subjects))), body=roughen(rng, body))


def off_topic(rng: random.Random, signer: str) -> Ticket:
    text = rng.choice(platform.OFF_TOPIC)
    if rng.random() < 0.4:
        text += f"\n\n{signer}"
    return Ticket(topic="off_topic", subject=text.split(".")[0][:60], body=text)


def _assemble(rng: random.Random, tone: str, sentences: list[str], signer: str) -> str:
    greeting = rng.choice(GREETINGS[tone])
    closing = rng.choice(CLOSINGS[tone])
    joiner = " " if tone == "terse" or rng.random() < 0.5 else "\n\n"
    parts = [part for part in (greeting, joiner.join(sentences), closing) if part]
    text = "\n\n".join(parts)
    if tone in ("polite", "chatty") and rng.random() < 0.6:
        text += f"\n{signer}"
    return text


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
