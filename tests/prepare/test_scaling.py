import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tickercast.errors import ConfigError, DataError
from tickercast.prepare.scaling import Scaler, fit_scaler

finite = st.floats(-1e6, 1e6, allow_nan=False)
values = arrays(np.float64, st.integers(2, 50), elements=finite).filter(lambda a: np.ptp(a) > 1e-3)


@given(train=values, other=values, kind=st.sampled_from(["standard", "minmax"]), center=st.booleans())
def test_inverse_undoes_transform(train, other, kind, center):
    scaler = fit_scaler(train, kind, center=center)
    np.testing.assert_allclose(scaler.inverse(scaler.transform(other)), other, rtol=1e-9, atol=1e-6)


@given(train=values)
def test_standard_scaling_gives_zero_mean_unit_variance_on_train(train):
    scaled = fit_scaler(train, "standard").transform(train)
    assert abs(scaled.mean()) < 1e-6
    assert abs(np.sqrt(np.mean(scaled**2)) - 1) < 1e-6


@given(train=values)
def test_minmax_maps_the_training_range_onto_minus_one_one(train):
    scaled = fit_scaler(train, "minmax").transform(train)
    assert scaled.min() == pytest.approx(-1)
    assert scaled.max() == pytest.approx(1)


@given(train=values, kind=st.sampled_from(["standard", "minmax"]))
def test_uncentred_scaling_keeps_zero_at_zero(train, kind):
    scaler = fit_scaler(train, kind, center=False)
    assert scaler.transform(np.array([0.0]))[0] == 0.0
    if kind == "minmax":
        assert np.abs(scaler.transform(train)).max() == pytest.approx(1)


def test_nan_in_training_values_is_ignored():
    assert fit_scaler(np.array([np.nan, 1.0, 3.0])).shift == 2.0


def test_round_trip_through_json():
    scaler = fit_scaler(np.array([1.0, 2.0, 4.0]), "minmax")
    assert Scaler.from_dict(scaler.to_dict()) == scaler


def test_constant_training_values_are_refused():
    with pytest.raises(DataError, match="all equal"):
        fit_scaler(np.array([5.0, 5.0, 5.0]))


def test_unknown_kind():
    with pytest.raises(ConfigError, match="unknown scaler 'robust'"):
        fit_scaler(np.array([1.0, 2.0]), "robust")
