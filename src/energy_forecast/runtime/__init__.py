"""What every pipeline stage runs, whichever it is: the params parsed once (`settings`), the
files' places (`paths`), outputs written whole or not at all (`atomic`), progress bars, the
stage dispatch on one thread (`stage`) and the exit codes (`runner`).

`dvc.yaml` lists this folder among each stage's deps, beside the stage's own modules.
"""
