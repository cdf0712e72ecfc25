"""Gate: differences on parity pairs, minus valid waivers, are drift (DRIFT001/DRIFT002).

`result` (the material a run gives, the CheckResult reporters format), `drift` (one parity
pair: drift findings, waivers matched), `assemble` (all pairs, waivers, severities and
selection: the CheckResult), `waivers` (the file and its rules).
"""
