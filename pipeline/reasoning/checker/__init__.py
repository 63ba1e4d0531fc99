"""The reasoning checker: reads the LLM's free reasoning against the deterministic evidence summary and flags
what the reasoning gets wrong, as short sentences that can be fed back to the model.

Rule-based and deterministic (well under a millisecond a sentence). Quotes are masked first (what is quoted is
checked as quoted words, never read as claims); the text is split into sentences and clauses (at , ; : ( ) and
but / while / which / so ...). Each clause is searched for assertions, each judged against the observation of its
cue in the evidence summary:

- voice (prosody: pitch, pitch_range, pitch_contour, loudness, rate, voice_quality, voice_clarity). A category
  word (high, monotone, shouting, quickly, normal, ...) belongs to the nearest cue noun of its clause (pitch,
  range, volume, pace; or voice / speaks / tone, which leave the cue to the word: "a high voice" is pitch, "a
  raised voice" loudness). A few words need no noun (loud, shouting, monotone, high-pitched). A word whose
  nearest noun is a face, scene or other noun (eyebrows, AU12, movements, score) is no voice claim.
  Verdicts: asserted == evidence category -> supported ("normal" == "usual"); another category -> contradicted;
  "not X" -> contradicted only when the evidence says X; evidence "unreferenced" -> unverifiable; a cue the
  evidence does not have -> unverifiable; a hedged claim ("slightly higher") on the right side of the reference
  while the evidence says usual -> supported.
- action units: AU codes ("AU12", "AUs 1 and 2", "AU1+2", "action unit 4") and names (the AU table's FACS names,
  plus AU_SYNONYMS: smile, frown, furrowed brows, raised eyebrows, ...), with a state read next to them: raised
  (raised / increased / stronger / higher than usual), lowered, usual, absent (no / not / without), or present
  (anything else). Evidence raised or high: present, raised -> supported; absent, lowered -> contradicted.
  Evidence usual: present, usual -> supported; raised, lowered -> contradicted; absent -> unverifiable. Evidence
  lowered: lowered, absent -> supported; present, raised, usual -> contradicted. An AU with no observation: in
  the face clue's strongest AUs -> unverifiable (raised / lowered: contradicted, since it changed too little to
  be listed); in the clue's prototype matches -> active there: present / raised supported; not active there:
  present / raised contradicted, absent supported; otherwise invented.
- expression classifier: an emotion word next to "classifier / probabilities" (strict: supported if it is the
  evidence's category, the classifier's top class or has probability >= 0.2) or next to "face / facial
  expression / look" (loose: also supported by an AU raised above usual that the emotion's prototype has). A
  probability written after the emotion ("anger 0.63") must match the clip's or the usual value (+-0.015).
- what was said: an emotion word (or "emotional") next to words / transcript / phrase / a quote -> contradicted
  when the transcript has no emotion words (speech category "none") or names another emotion; "neutral" / "no
  emotion" -> supported then. Quoted words not found in the transcript -> invented.
- scene: brightness (dark / bright / medium), motion (still / little / a lot), framing (close-up, ...).
- a modality whose clue is missing (no face in an audio clip, no voice in a silent one), talked about as if
  measured -> invented (unless a clause naming it says it is missing: "no face is visible").
- a cue asserted two incompatible ways in the text ("normal rate" ... "fast") that the evidence cannot settle
  (unreferenced) -> the later claim is contradicted.
- looping: the same sentence twice, or a 6-word sequence three times.
- spoken instructions (sentences of the transcript addressed to a model, `instructions_detected` of the speech
  clue): a sentence repeating one (a run of at least three words, two of them not function words, or all of a
  shorter one) -> invented; a sentence naming an emotion the instruction names as something the speaker asks,
  tells or instructs (or in the instruction's own imperative words) without dismissing it -> invented.
- numbers: a percentage, a number with a unit (Hz, dB, semitones, syllables, spreads) or a decimal must be one
  the evidence shows (per observation, with the same unit; percentages against the shown distributions and
  probabilities; after an emotion word, against that emotion's values), within the precision it is written
  with (10 % with "about", "around", ...); else -> invented. Comparisons ("above 0.5") and durations are not
  read; a probability the classifier rule already contradicted is not counted twice.

Negation ("not loud", "no smile", "neither fast nor slow", "soft rather than loud") turns an assertion into
"not X"; usual / normal / typical / average assert the usual level unless they are the object of a comparison
("louder than usual", "typical of fear"). Clauses that are hypothetical ("would", "if", "might", "expected")
are not claims about the clip; general statements ("a high pitch is typical of fear") are judged like any claim
(a recited cue list is a failure) unless the same sentence also says what this clip shows for that cue. A
clause continuing another (", which suggests fear", ", leading to sadness") or a sentence starting with "This"
refers back to the last cue noun before it.


Modules: model (Claim, ReasoningCheck), lexicon (the word lists, from prompts/evidence/checker_lexicon.yaml), text
(masking, tokens, clauses, negation), facts (what the evidence holds), cues (voice and scene per clause), expression
(the classifier and the face), speech (the words' reading, quotes), aus (action units), consistency (loops,
self-consistency, spoken instructions), numbers, interpretation (cue -> emotion claims against the cue tables),
style (percentages, lists), coherence (the conclusion names the label), readings (another emotion read from a
channel, allowed only where the sentence states the disagreement and what decides), check (putting them together).
"""

from emer.pipeline.reasoning.checker.check import check_reasoning
from emer.pipeline.records.checks import CHECKER_VERSION, PROBLEM_VERDICTS, Claim, ReasoningCheck, Verdict
from emer.pipeline.records.text import split_sentences

__all__ = ["CHECKER_VERSION", "PROBLEM_VERDICTS", "Claim", "ReasoningCheck", "Verdict", "check_reasoning",
           "split_sentences"]
