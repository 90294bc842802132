"""The teaching lab: what the gates of a recurrent cell do, and why gradients vanish or explode.

    explain.py    the gates of hand-set or trained weights, step by step (`tickercast explain`)
    gradients.py  the memory task and gradient decay by lag, per cell (`tickercast gradients`)
    settings.py   LabSettings, the lab's sizes

It builds on the networks (`tickercast.networks`) and the NumPy cells (`tickercast.numpy_cells`); nothing that
forecasts prices depends on it.
"""
