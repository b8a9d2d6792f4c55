"""Calibrating leadsim to an organisation: likelihood-free inference on the batched engine.

:func:`~leadsim.calibration.targets.load_calibration` reads a targets file,
:func:`~leadsim.calibration.run.calibrate` runs batched ABC-SMC
(:mod:`leadsim.calibration.smc`) on the engine and writes the posterior, posterior
predictive checks and a report. See ``docs/calibration.md``.
"""
