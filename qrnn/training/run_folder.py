"""Making a run folder ready for `qrnn train` when the workflow starts a job in it again.

Snakemake reruns a training job when it was interrupted, when the run's own settings
changed, or when told to; before it does, it deletes the job's declared outputs
(config.json, history.csv, metrics.json) but not checkpoint.pt. `qrnn train` resumes
from the checkpoint, which covers an interruption (and rewrites history.csv from it).
When the settings changed, the checkpoint belongs to the old settings and `qrnn train`
refuses it; the workflow asks for it to be discarded, so the run starts over.
"""

from __future__ import annotations

from pathlib import Path

from qrnn.config import RunConfig, differences
from qrnn.io.checkpoint import CHECKPOINT_FORMAT, read_checkpoint


def prepare_run_folder(run: RunConfig, out_dir: str | Path, discard_stale_checkpoint: bool) -> list[str]:
    """With ``discard_stale_checkpoint``, delete a checkpoint made under other settings.

    Returns the settings that differed when a checkpoint was discarded, else [].
    """
    out_dir = Path(out_dir)
    checkpoint_path = out_dir / "checkpoint.pt"
    if not checkpoint_path.is_file():
        return []
    checkpoint = read_checkpoint(checkpoint_path)  # a damaged or unsafe file stops here, with its name
    if checkpoint.get("format") != CHECKPOINT_FORMAT:
        changed = [f"checkpoint format: {checkpoint.get('format')!r} -> {CHECKPOINT_FORMAT!r}"]
    else:
        changed = differences(checkpoint["config"], run.to_dict())
    if changed and discard_stale_checkpoint:
        checkpoint_path.unlink()
        return changed
    return []
