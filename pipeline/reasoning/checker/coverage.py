"""Coverage: an explanation of a decided label describes every channel that carried a large share of the
decision (pipeline/evidence/channels.py `share`, at least cues.MUST_DESCRIBE). A channel left out is a finding (cue
`coverage`, disallowed): the explanation hides part of why the label was chosen. A channel is described when a
sentence names it or its cues (the checker lexicon's `mentions`, plus `coverage_mentions`: says, quoted words,
posture, ...), other than the sentences that only say what decided (describes_channel)."""

from __future__ import annotations

from collections.abc import Sequence

from emer.pipeline.reasoning.checker.mentions import MODALITY
from emer.pipeline.reasoning.checker.readings import describes_channel
from emer.pipeline.reasoning.cues import MUST_DESCRIBE
from emer.pipeline.records.checks import Claim
from emer.pipeline.records.evidence import EvidenceSummary


def coverage_claims(sentences: Sequence[str], evidence: EvidenceSummary, label: str = "",
                    given: Sequence[str] = ()) -> list[Claim]:
    """One finding per channel with a share of at least MUST_DESCRIBE that no sentence describes
    (describes_channel)."""
    out = []
    for c in evidence.channels:
        if c.status != "ok" or c.share < MUST_DESCRIBE or describes_channel(sentences, c.channel, label, given):
            continue
        reading = c.reading or ", ".join(q.text for q in c.cues[:2])
        out.append(Claim(sentence="", phrase="", modality=MODALITY[c.channel], cue="coverage",
                         asserted="left out", actual=reading, verdict="disallowed",
                         detail=f"You left out the {c.channel}, which carried {round(c.share * 100)} percent of "
                         f"the decision ({reading}); describe it."))
    return out
