"""Export the example bank survey's CFA sample to cfa_bank.csv (input of make_cfa_bank.R).

Rows: respondents of ``satscore.load_example("bank_survey")``, validated with the built-in
``bank_service`` instrument (``on_invalid="coerce"``), who answered every scored item of its three
dimensions (the listwise sample of ``satscore.cfa(vr, instrument)``). Columns: ``quarter``,
``channel`` and the 19 items as raw codes (SQ09 NOT reversed). Run from the repository root:

    .venv/bin/python tests/data/make_cfa_bank_data.py
"""

from pathlib import Path

import satscore

inst = satscore.load_instrument("bank_service")
raw = satscore.load_example("bank_survey")
vr = inst.validate(raw, id_column="respondent_id", on_invalid="coerce")
items = [i for d in inst.dimensions for i in inst.scored_items(d.id)]
sample = vr.data.dropna(subset=items).loc[:, ["quarter", "channel", *items]]
sample[items] = sample[items].astype(int)
sample.to_csv(Path(__file__).parent / "cfa_bank.csv", index=False)
print(f"wrote cfa_bank.csv: {len(sample)} rows")
