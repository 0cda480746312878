#!/usr/bin/env python3
"""one_frame_many_cells.py N OUT.ipynb: a Python notebook of N cells that each change and read
the same two frames (`sub["target"] = [i]` then `sub.to_csv(..)`, `df["c<i>"] = 1` then
`print(df)`), the shape that makes NB206's reader checks quadratic if they are done per change.
Time it with `nblint check --no-cache --select NB206 OUT.ipynb` at two sizes: 4x the cells
should take about 4x the time (session 20: 0.04 s at 1,000 cells, 0.17 s at 4,000)."""
import json
import sys

n, out = int(sys.argv[1]), sys.argv[2]
cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
          "source": ["import pandas as pd\n", "sub = pd.DataFrame({'a': [1]})\n",
                     "df = pd.DataFrame({'a': [1]})"]}]
for i in range(n):
    cells.append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                  "source": [f"sub['target'] = [{i}]\n", f"sub.to_csv('f{i}.csv')\n",
                             f"df['c{i}'] = 1\n", "print(df)"]})
notebook = {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "language": "python"}}}
with open(out, "w") as f:
    json.dump(notebook, f)
