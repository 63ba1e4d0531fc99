"""The reasoning checker's records: claims, verdicts and the check of one explanation
(pipeline/reasoning/checker/ judges them)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from emer.pipeline.records.clues import ClueKind, Record

CHECKER_VERSION = "1.8.0"  # 1.1: spoken instructions and numbers; 1.2: interpretations, form, coherence;
# 1.3: channel readings of another emotion, absence read per clause; 1.4: the notes' AU words, "all signs of";
# 1.5: the words judged against the words' reading (channels), translations quoted, coverage of the channels, a
# face called blank while its reading carried the decision; 1.6: "which are signs of" claims each cue, as "all";
# 1.7: the pitch contour's readings, "what is said ... consistent with X", an instruction to a model copied (echo),
# a last sentence naming the label only as a cue's reading ("a sign of fear") does not conclude; 1.8: a voice word
# with several readings ("lower") is interpreted as the reading the clip measured; a cue read as a sign of neutral

# disallowed: not a claim about the clues but not allowed in an explanation (a percentage, a list, another
# emotion named as the person's state)
Verdict = Literal["supported", "contradicted", "invented", "unverifiable", "disallowed"]
PROBLEM_VERDICTS = ("contradicted", "invented", "disallowed")


class Claim(Record):
    """One assertion of the reasoning about one cue, and how the evidence judges it."""

    sentence: str
    phrase: str = Field("", description="the words of the sentence that make the claim")
    modality: ClueKind | Literal["evidence"] = Field(description="the modality; evidence: a number of the "
                                                     "evidence summary as a whole (its distributions)")
    cue: str = Field(description="the evidence cue (pitch, rate, AU12, expression, words, transcript, ...) or, "
                     "for a missing modality, what was talked about (voice, face, words, scene)")
    asserted: str = Field(description="the category the text asserts (high, not fast, usual, raised, anger, ...)")
    actual: str | None = Field(None, description="the category in the evidence; None when there is none")
    verdict: Verdict
    detail: str = Field(description="why; for a contradicted or invented claim, a sentence addressed to the model")


class ReasoningCheck(Record):
    """The reasoning checked against the evidence summary. Counts and `ok` are derived from the claims."""

    version: str = CHECKER_VERSION
    claims: list[Claim] = Field(default_factory=list)
    contradictions: int = Field(0, description="claims the evidence contradicts (derived)")
    invented: int = Field(0, description="claims about cues or modalities that were not measured (derived)")
    looping: bool = Field(False, description="a sentence repeated, or a 6-word sequence three times")
    repeated: list[str] = Field(default_factory=list, description="what was repeated")
    disallowed: int = Field(0, description="percentages, lists, other emotions named as the person's state "
                            "(derived)")
    coherent: bool | None = Field(None, description="checked against a decided label: the text concludes with it "
                                  "and names no other emotion as the person's state")
    ok: bool = Field(True, description="no contradictions, nothing invented or disallowed, no looping (derived)")

    @model_validator(mode="after")
    def _derive(self) -> ReasoningCheck:
        self.contradictions = sum(c.verdict == "contradicted" for c in self.claims)
        self.invented = sum(c.verdict == "invented" for c in self.claims)
        self.disallowed = sum(c.verdict == "disallowed" for c in self.claims)
        self.ok = not self.contradictions and not self.invented and not self.disallowed and not self.looping
        return self

    def problems(self, limit: int | None = None) -> list[str]:
        """Short sentences for the model, one per problem (duplicates dropped), contradictions first."""
        order = {"contradicted": 0, "invented": 1, "disallowed": 2}
        out: list[str] = []
        for c in sorted((c for c in self.claims if c.verdict in PROBLEM_VERDICTS), key=lambda c: order[c.verdict]):
            if c.detail not in out:
                out.append(c.detail)
        if self.looping:
            for r in self.repeated[:2]:
                out.append(f'You repeated yourself ("{r}"). Say each point once and stop.')
        return out[:limit] if limit is not None else out
