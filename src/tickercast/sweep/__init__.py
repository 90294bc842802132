"""Sweeps: many tickers × models × settings × seeds, on local processes or a Ray cluster, resumable.

    plan.py          the units of work (pure)          unit.py      what a worker runs: one unit -> metrics
    global_model.py  one network across all tickers    engines.py   local process pool, Ray
    store.py         the run folder (SQLite, JSON)      select.py    settings chosen on validation, leaderboard
    schema.py        the shapes the run folder's files   reach.py     joining a Ray cluster within a time limit
                     must have when read back
    search.py        the TPE search: Optuna studies     space.py     ranges of searched settings
    pruning.py       stopping hopeless trials early     honesty.py   validation vs test gap of the choice
    luck.py          returns shuffled in time (the luck check)
    driver.py        the whole sweep, end to end

Nothing here is imported by `import tickercast`; Ray only when `--engine ray` asks for it.
"""
