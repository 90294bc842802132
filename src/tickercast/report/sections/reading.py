""""How to read this": plain words for each kind of number and chart that is on the page; the metrics' own words
(the glossaries) and the significance level come from `evaluate.vocabulary`."""

from __future__ import annotations

from tickercast.evaluate.vocabulary import DIRECTION_GLOSSARY, PRICE_GLOSSARY, RANK_GLOSSARY, SIGNIFICANCE
from tickercast.report.folder import RunFolder, SweepRun, beyond_returns
from tickercast.report.literal import for_html as _e
from tickercast.report.sections.sweep import searched_ranges


def how_to_read(run: RunFolder) -> str:
    """Plain words for each part of the page that is there."""
    scored = any(c.classifies for c in run.comparisons) or bool(run.backtest and run.backtest.classifies)
    direction = scored or any(f.classifies for f in run.forecasts)
    prices = (any(not c.classifies for c in run.comparisons) or bool(run.backtest and not run.backtest.classifies)
              or run.sweep is not None or any(not f.classifies for f in run.forecasts) or not direction)
    zoom = " Zoom into a few weeks of the price chart to see it." if run.comparisons or run.backtest else ""
    items = [] if not prices else [(term, text + zoom if term == "lagged" else text) for term, text in PRICE_GLOSSARY]
    if direction:
        items += DIRECTION_GLOSSARY if scored else DIRECTION_GLOSSARY[:1]  # a forecast alone has no scores
    if any(m.history is not None for c in run.comparisons for m in c.models):
        items.append(("loss curves", "Training loss should fall. Validation loss is what early stopping "
                                     "watches: the dot marks the weights kept. Validation rising while training "
                                     "falls is overfitting."))
    models = [m for c in run.comparisons for m in c.models]
    if any(m.beyond_returns for m in models) or (run.backtest and beyond_returns(run.backtest.settings.get("inputs"))):
        items.append(("extra inputs", "Besides its own past returns a model may read other inputs: features of the "
                                      "same data (volume, indicators) or other tickers' returns. Each is known at the "
                                      "close of the day it is dated, so a forecast for tomorrow uses nothing from "
                                      "tomorrow, and each is scaled on the training days only."))
    if any(m.importance for m in models):
        items.append(("which inputs mattered", "Shuffling one input in time keeps its values but breaks their link "
                                               "to the next day; the more the validation RMSE rises, the more the "
                                               "model relied on that input. Relying on an input is not the same "
                                               "as being helped by it: a comparison of the same model with and "
                                               "without it says that (compare --feature-sets)."))
    if any(c.ablation for c in run.comparisons):
        items.append(("did the extra inputs help?", "The same model with and without the inputs, scored on the "
                                                    "same test days. 'Significantly better' needs a one-sided "
                                                    f"Diebold–Mariano p below {SIGNIFICANCE}; a ratio below 1 "
                                                    "without it cannot be told apart from luck on these days."))
    if run.sweep is not None:
        items.append(("chosen on validation", "Many settings were tried; each model's were chosen per dataset on the "
                                              "validation days alone, and the test days, which come after, were "
                                              "left untouched until the choice was made. So the test metrics "
                                              "estimate how the chosen settings do on days they have never seen; "
                                              "picking the best test score among many settings would flatter the "
                                              "winner with luck."))
        if not searched_ranges(run.sweep):
            items.append(("validation across the settings", "A flat line: the settings hardly matter on that "
                                                            "dataset. A lone dip: perhaps luck on the validation "
                                                            "days, which the test metrics of the chosen settings "
                                                            "will tell. Below the dashed line at 1 beats naive on "
                                                            "validation."))
        items += _sweep_reading(run.sweep)
        if run.sweep.definition["seeds"] > 1:
            items.append(("runs", "With several seeds, the metrics are the mean over them, and 'beats naive' or "
                                  "'loses to naive' needs every run to say so."))
    if run.backtest is not None:
        items.append(("walk-forward", "Forecasts made day by day through the test part, each from the prices "
                                      "known that day only, 1 to N days ahead. Errors grow with the horizon; the "
                                      "question is whether they grow slower than naive's."
                      if not run.backtest.classifies else
                      "P(up) made day by day through the test part, each from the prices known that day only, "
                      "refitting as the settings say."))
        if run.backtest.trading:
            items.append(("trading", "What trading on the forecast would have earned after costs, next "
                                     "to simply holding. A higher Sharpe ratio is better; a small edge in "
                                     f"{'accuracy' if run.backtest.classifies else 'RMSE'} rarely survives "
                                     "costs."))
    if any(not f.classifies for f in run.forecasts):
        items.append(("forecast bands", "The 80% and 95% intervals come from the model's own past errors; "
                                        "they are honest about the test period, not a promise about the future."))
    if run.gates:
        items.append(("gates", "Each gate is a number between 0 (shut) and 1 (open) per unit and day: a forget "
                               "gate near 1 keeps the memory, an update gate near 1 keeps the old state."))
    if run.gradients:
        items.append(("gradients", "A curve that falls to 10⁻⁶ after k steps means the network cannot learn "
                                   "anything that needs more than about k days of memory."))
    if run.rank is not None:
        only_rank = not (run.comparisons or run.backtest or run.sweep or run.forecasts or run.gates or run.gradients)
        items = (items if not only_rank else []) + list(RANK_GLOSSARY)
    yardstick = "naive" if prices else "the better constant call"
    items.append(("nothing here is advice", "Past prices carry little information about tomorrow's; a model "
                                            f"that does not beat {yardstick} significantly has found nothing to "
                                            "trade."))
    rows = "".join(f"<dt>{_e(term)}</dt><dd>{_e(text)}</dd>" for term, text in items)
    return f'<dl class="reading">{rows}</dl>'


def _sweep_reading(sweep: SweepRun) -> list[tuple[str, str]]:
    """Plain words for the parts of a sweep's page that came with issue 17, where the sweep has them."""
    items = [("validation against test", "Each settings tried is a point: how it did on the validation days "
                                         "(left is better) and on the test days (lower is better). Points along "
                                         "the diagonal: validation foretold test. A cloud with no slope: the "
                                         "differences between settings on validation were mostly luck, and the "
                                         "star chosen for its place on the left will drift back up on test.")]
    if sweep.honesty:
        items.append(("gap", "Test ratio minus validation ratio of the settings chosen. Choosing the best of many "
                             "candidates on validation picks some that were lucky there, so a positive gap is "
                             "expected; the question is whether it is larger than luck alone gives."))
    if sweep.luck is not None:
        items.append(("luck check", "The same sweep run again on the same data with its daily returns shuffled "
                                    "in time within the training and the validation days: the shuffle destroys "
                                    "every pattern a model could learn, so whatever edge the chosen settings show "
                                    "on validation there is selection luck, and its gap measures it. A real gap "
                                    "close to the luck gap means the search mostly found luck."))
    if sweep.search is not None:
        items.append(("the search", "A model-based search (TPE) proposes each trial's settings from how the "
                                    "earlier ones scored, so later trials cluster where the score was good; the "
                                    "best-so-far line flattening out means more trials would have found little. "
                                    "A pruned trial was stopped after a few epochs because its validation loss "
                                    "was already worse than the pruner's bar at that epoch (the median of the "
                                    "trials before it, or successive halving's cut)."))
    return items
