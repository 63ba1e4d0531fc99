"""`emer report OUT`: a static HTML report of a run folder (index.html plus an images folder, no server, no
network), per clip the key frame with the face box, AU timelines, pitch and loudness curves, the transcript, the
scene, the evidence per modality, the label distribution and the explanation with each checked claim marked; per
run the summary, and with gold the scores, the confusion matrix and the misses.

Only the command line (`pipeline.report.cli`, an `emer.commands` entry point) and the Prefect flow import this
package; the core never does.
"""
