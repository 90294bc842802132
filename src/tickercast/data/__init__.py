"""Getting prices in: bundled samples, files, the local store and web sources, all through one validation gate.

Submodules are imported on first use (`tickercast.data.store` must not pull in pandas for `tickercast data list`).
"""
