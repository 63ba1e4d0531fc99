"""Evidence: from clues to one reading per channel. Speaker references, z-scores, the FACS and voice tables, the
learned voice model, reliability, transcript guards, the evidence summary and the channel readings the decision
and the explanation share. Imports records, storage and inputs."""
