"""rnnlib.core.stats: paired tests against hand-worked values and statsmodels, intervals, verdicts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps  # type: ignore[import-untyped]
from statsmodels.regression.linear_model import OLS  # type: ignore[import-untyped]
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar  # type: ignore[import-untyped]

from rnnlib.core.stats import (
    METRICS,
    Comparison,
    SeedCount,
    diebold_mariano,
    format_p,
    mcnemar,
    mean_interval,
    paired_bootstrap,
    seeds_succeeded,
    verdict,
    wilson_interval,
)


def two_classifiers(a_only: int, b_only: int, both: int, neither: int) -> tuple[np.ndarray, ...]:
    """Labels and two prediction vectors with the given 2x2 table of right/wrong."""
    n = a_only + b_only + both + neither
    y = np.zeros(n, dtype=int)
    a = np.zeros(n, dtype=int)
    b = np.zeros(n, dtype=int)
    # a_only: A right (0), B wrong (1); b_only: the reverse; neither: both wrong
    a[a_only : a_only + b_only] = 1
    b[:a_only] = 1
    a[a_only + b_only + both :] = 1
    b[a_only + b_only + both :] = 1
    return y, a, b


# --------------------------------------------------------------------------- McNemar


def test_mcnemar_exact_by_hand_and_against_statsmodels() -> None:
    y, a, b = two_classifiers(a_only=10, b_only=2, both=80, neither=8)
    result = mcnemar(y, a, b)
    # 2 P[Bin(12, 1/2) <= 2] = 2 (1 + 12 + 66) / 4096
    assert result.p_value == pytest.approx(158 / 4096, rel=1e-12)
    assert result.p_value == pytest.approx(sm_mcnemar([[80, 10], [2, 8]], exact=True).pvalue, rel=1e-12)
    assert result.difference == pytest.approx(0.08)
    assert result.details == {"a_only": 10, "b_only": 2}
    # Agresti and Min: 0.5 added to each cell, n + 2 in all, then the Wald interval.
    m, p12, p21 = 102, 10.5 / 102, 2.5 / 102
    half = 1.959963984540054 * math.sqrt((p12 + p21 - (p12 - p21) ** 2) / m)
    assert (result.low, result.high) == pytest.approx((p12 - p21 - half, p12 - p21 + half), rel=1e-9)
    assert result.better == "A" and result.higher_is_better and result.n == 100
    swapped = mcnemar(y, b, a)
    assert swapped.p_value == result.p_value and swapped.difference == -result.difference
    assert swapped.better == "B"


@pytest.mark.parametrize(("a_only", "b_only"), [(0, 0), (5, 5), (7, 3), (30, 12), (1, 0)])
def test_mcnemar_matches_statsmodels_on_other_tables(a_only: int, b_only: int) -> None:
    y, a, b = two_classifiers(a_only, b_only, both=40, neither=9)
    expected = sm_mcnemar([[40, a_only], [b_only, 9]], exact=True).pvalue
    assert mcnemar(y, a, b).p_value == pytest.approx(min(1.0, expected), rel=1e-12)


def test_mcnemar_without_discordant_items_shows_nothing() -> None:
    y = np.array([0, 1, 1, 0])
    same = np.array([0, 1, 0, 0])
    result = mcnemar(y, same, same.copy())
    assert result.p_value == 1.0 and result.difference == 0.0 and result.better is None
    assert result.low < 0 < result.high  # the interval still says how large a difference 4 items allow


def test_mcnemar_pooled_over_seeds_is_a_sign_test_over_items() -> None:
    y = np.zeros(6, dtype=int)
    # seeds x items: 1 = wrong. Items 0-2: A right more often; item 3: B; items 4-5: tie.
    a = np.array([[0, 0, 0, 1, 0, 1], [0, 1, 0, 1, 1, 0], [1, 0, 0, 1, 0, 1]])
    b = np.array([[1, 1, 1, 0, 0, 1], [1, 1, 0, 0, 1, 0], [1, 0, 1, 0, 0, 1]])
    result = mcnemar(y, a, b)
    assert result.details == {"a_only": 3, "b_only": 1, "seeds": 3}
    assert result.p_value == pytest.approx(2 * sps.binom.cdf(1, 4, 0.5))
    per_seed = [np.mean(a[s] == y) - np.mean(b[s] == y) for s in range(3)]
    assert result.difference == pytest.approx(np.mean(per_seed))
    assert "3 seeds" in result.test
    # One seed: the pooled test is McNemar's.
    one = mcnemar(y, a[:1], b[:1])
    assert one.p_value == mcnemar(y, a[0], b[0]).p_value and one.test == "exact McNemar"


def test_mcnemar_baseline_without_seeds_is_used_for_every_seed() -> None:
    y = np.zeros(5, dtype=int)
    model = np.array([[0, 0, 1, 0, 0], [0, 0, 0, 1, 0]])
    baseline = np.array([1, 1, 0, 0, 0])
    result = mcnemar(y, model, baseline)
    explicit = mcnemar(y, model, np.stack([baseline, baseline]))
    assert result == explicit


@pytest.mark.parametrize(
    ("y", "a", "b", "message"),
    [
        ([0, 1], [0], [0, 1], r"pred_a has shape \(1,\), but there are 2 test items"),
        ([0, 1], [0, 1], [[0, 1, 1]], r"pred_b has shape \(1, 3\)"),
        ([], [], [], r"y_true must be a non-empty 1-D array"),
        ([[0, 1]], [0, 1], [0, 1], r"y_true must be a non-empty 1-D array"),
        ([0, 1], [[0, 1], [1, 1]], [[0, 1], [1, 1], [0, 0]], r"pred_a has 2 runs and pred_b 3"),
    ],
)
def test_mcnemar_rejects_mismatched_inputs(y: list, a: list, b: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        mcnemar(y, a, b)


def test_confidence_must_be_a_probability() -> None:
    y, a, b = two_classifiers(3, 1, 5, 1)
    for bad in (0, 1, 95, -0.5):
        with pytest.raises(ValueError, match=r"confidence=.*strictly between 0 and 1"):
            mcnemar(y, a, b, confidence=bad)


# --------------------------------------------------------------------------- bootstrap


def test_bootstrap_accuracy_agrees_with_the_paired_standard_error() -> None:
    y, a, b = two_classifiers(a_only=60, b_only=30, both=800, neither=110)
    result = paired_bootstrap(y, a, b, "accuracy", n_resamples=4000, seed=1)
    assert result.difference == pytest.approx(0.03)
    # The paired difference's standard error: sqrt((b + c)/n - d^2) / sqrt(n).
    se = math.sqrt(90 / 1000 - 0.03**2) / math.sqrt(1000)
    assert (result.high - result.low) / (2 * 1.96) == pytest.approx(se, rel=0.1)
    assert result.low < 0.03 < result.high
    assert result.better == "A" and result.p_value < 0.01
    # Reproducible with its seed, different with another.
    assert paired_bootstrap(y, a, b, "accuracy", n_resamples=4000, seed=1) == result
    assert paired_bootstrap(y, a, b, "accuracy", n_resamples=4000, seed=2) != result


def test_bootstrap_identical_predictions_give_p_one() -> None:
    y, a, _ = two_classifiers(5, 5, 20, 5)
    for metric in ("accuracy", "macro F1", "macro accuracy"):
        result = paired_bootstrap(y, a, a.copy(), metric, n_resamples=200)
        assert result.difference == 0 and result.p_value == 1.0 and result.better is None
        assert result.low == result.high == 0


def test_bootstrap_p_value_is_bounded_by_the_resamples() -> None:
    y = np.zeros(200, dtype=int)
    a = np.zeros(200, dtype=int)
    b = np.ones(200, dtype=int)  # A right everywhere, B nowhere
    result = paired_bootstrap(y, a, b, "accuracy", n_resamples=999)
    assert result.difference == 1.0 and result.p_value == pytest.approx(2 / 1000)
    assert result.p_value == paired_bootstrap(y, b, a, "accuracy", n_resamples=999).p_value


def test_bootstrap_macro_f1_observed_value_is_sklearns() -> None:
    from sklearn.metrics import balanced_accuracy_score, f1_score

    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    a = np.where(rng.random(300) < 0.7, y, rng.integers(0, 3, 300))
    b = np.where(rng.random(300) < 0.5, y, rng.integers(0, 3, 300))
    f1 = paired_bootstrap(y, a, b, "macro F1", n_resamples=300)
    assert f1.difference == pytest.approx(f1_score(y, a, average="macro") - f1_score(y, b, average="macro"))
    macc = paired_bootstrap(y, a, b, "macro accuracy", n_resamples=300)
    assert macc.difference == pytest.approx(balanced_accuracy_score(y, a) - balanced_accuracy_score(y, b))
    assert f1.better == "A" and macc.better == "A"


def test_bootstrap_metric_function_matches_the_named_metric() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 150)
    a = np.where(rng.random(150) < 0.8, y, 1 - y)
    b = np.where(rng.random(150) < 0.7, y, 1 - y)

    def accuracy(t: np.ndarray, p: np.ndarray) -> float:
        return float(np.mean(t == p))

    by_function = paired_bootstrap(y, a, b, accuracy, higher_is_better=True, n_resamples=300)
    by_name = paired_bootstrap(y, a, b, "accuracy", n_resamples=300)
    assert by_function.difference == pytest.approx(by_name.difference)
    assert by_function.metric == "accuracy"
    assert abs(by_function.high - by_name.high) < 0.05
    with pytest.raises(ValueError, match=r"needs higher_is_better=True or False"):
        paired_bootstrap(y, a, b, accuracy)


def test_bootstrap_errors_of_forecasts_lower_is_better() -> None:
    rng = np.random.default_rng(0)
    truth = 30_000 + 5_000 * rng.random(500)
    good = truth + rng.normal(0, 200, 500)
    poor = truth + rng.normal(0, 1_000, 500)
    smape = paired_bootstrap(truth, good, poor, "sMAPE", n_resamples=500)
    good_smape = np.mean(200 * np.abs(good - truth) / (truth + good))
    expected = good_smape - np.mean(200 * np.abs(poor - truth) / (truth + poor))
    assert smape.difference == pytest.approx(expected)
    assert not smape.higher_is_better and smape.better == "A" and smape.metric == "sMAPE"
    mae = paired_bootstrap(truth, good, poor, "MAE", n_resamples=500)
    assert mae.difference == pytest.approx(np.mean(np.abs(good - truth)) - np.mean(np.abs(poor - truth)))


def test_block_bootstrap_widens_the_interval_of_correlated_errors() -> None:
    rng = np.random.default_rng(0)
    n = 2000
    drift = np.repeat(rng.normal(0, 1, n // 100), 100)  # errors that stay high or low for 100 steps
    truth = np.full(n, 100.0)
    a = truth + 5 + drift + rng.normal(0, 0.1, n)
    b = truth + 5 + rng.normal(0, 0.1, n)
    iid = paired_bootstrap(truth, a, b, "MAE", n_resamples=500, seed=0)
    blocks = paired_bootstrap(truth, a, b, "MAE", n_resamples=500, seed=0, block_length=100)
    assert blocks.difference == iid.difference
    assert (blocks.high - blocks.low) > 3 * (iid.high - iid.low)
    assert "blocks of 100" in blocks.test


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"metric": "f1"}, r"metric='f1': use one of 'accuracy', 'macro F1'"),
        ({"n_resamples": 10}, r"n_resamples=10: draw at least 100"),
        ({"block_length": 0}, r"block_length=0: use a whole number between 1 and the 4 items"),
        ({"block_length": 5}, r"block_length=5"),
        ({"metric": "accuracy", "higher_is_better": False}, r"accuracy is higher-is-better"),
    ],
)
def test_bootstrap_rejects_bad_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        paired_bootstrap([0, 1, 1, 0], [0, 1, 0, 0], [1, 1, 1, 0], **kwargs)


def test_bootstrap_rejects_non_finite_forecasts() -> None:
    with pytest.raises(ValueError, match=r"pred_a holds NaN or infinite values"):
        paired_bootstrap([1.0, 2.0, 3.0], [1.0, np.nan, 3.0], [1.0, 2.0, 3.0], "MAE", n_resamples=100)


def test_metrics_table_names_its_direction() -> None:
    assert {name: m.higher_is_better for name, m in METRICS.items()} == {
        "accuracy": True, "macro F1": True, "macro accuracy": True, "sMAPE": False, "MAE": False,
    }


# --------------------------------------------------------------------------- Diebold–Mariano


def forecasts(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = 100 + np.cumsum(rng.normal(0, 1, n))
    a = truth + rng.normal(0, 1.0, n)
    b = truth + rng.normal(0, 1.3, n)
    return truth, a, b


def test_dm_at_horizon_one_is_the_one_sample_t_test() -> None:
    # With h = 1 and lag 0, the HLN factor sqrt((n - 1)/n) turns DM into the t statistic of d.
    truth, a, b = forecasts()
    for loss, fn in (("absolute", np.abs), ("squared", np.square)):
        d = fn(a - truth) - fn(b - truth)
        result = diebold_mariano(truth, a, b, horizon=1, loss=loss)  # type: ignore[arg-type]
        t = sps.ttest_1samp(d, 0.0)
        assert result.p_value == pytest.approx(t.pvalue, rel=1e-9)
        assert result.details["statistic"] == pytest.approx(t.statistic, rel=1e-9)
        half = sps.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
        assert (result.low, result.high) == pytest.approx((d.mean() - half, d.mean() + half), rel=1e-9)
    assert result.better == "A" and not result.higher_is_better


@pytest.mark.parametrize(("horizon", "lag"), [(24, None), (6, 10), (1, 24)])
def test_dm_newey_west_variance_matches_statsmodels(horizon: int, lag: int | None) -> None:
    truth, a, b = forecasts(600, seed=1)
    d = np.abs(a - truth) - np.abs(b - truth)
    used_lag = horizon - 1 if lag is None else lag
    fit = OLS(d, np.ones((len(d), 1))).fit(
        cov_type="HAC", cov_kwds={"maxlags": used_lag, "use_correction": False}
    )
    n = len(d)
    hln = math.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n)
    result = diebold_mariano(truth, a, b, horizon=horizon, lag=lag)
    assert result.details["statistic"] == pytest.approx(d.mean() / fit.bse[0] * hln, rel=1e-9)
    assert result.details["lag"] == used_lag
    assert result.p_value == pytest.approx(2 * sps.t.sf(abs(d.mean() / fit.bse[0] * hln), n - 1), rel=1e-9)
    assert f"lag {used_lag}" in result.test


def test_dm_smape_loss_gives_the_smape_difference() -> None:
    truth, a, b = forecasts()
    result = diebold_mariano(truth, a, b, loss="sMAPE")
    smape = lambda p: np.mean(200 * np.abs(p - truth) / (np.abs(truth) + np.abs(p)))  # noqa: E731
    assert result.difference == pytest.approx(smape(a) - smape(b))
    assert result.metric == "sMAPE"


def test_dm_with_seeds_averages_each_hours_loss() -> None:
    truth, a, b = forecasts()
    a2 = np.stack([a, a + 0.5])
    result = diebold_mariano(truth, a2, b)
    d = (np.abs(a - truth) + np.abs(a + 0.5 - truth)) / 2 - np.abs(b - truth)
    assert result.difference == pytest.approx(d.mean())


def test_dm_constant_loss_differences() -> None:
    truth = np.arange(10.0)
    same = truth + 1.0
    result = diebold_mariano(truth, same, same.copy())
    assert result.difference == 0 and result.p_value == 1.0 and result.better is None
    # B is off by 2 everywhere, A by 1: the absolute losses differ by exactly -1 in every hour.
    certain = diebold_mariano(truth, truth + 1.0, truth + 2.0)
    assert certain.difference == -1.0 and certain.p_value == 0.0 and certain.better == "A"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"horizon": 0}, r"horizon=0: give the forecast distance"),
        ({"horizon": 1.5}, r"horizon=1.5"),
        ({"lag": -1}, r"lag=-1: use a whole number between 0 and 4"),
        ({"lag": 5}, r"lag=5"),
        ({"loss": "mape"}, r"loss='mape': use one of 'absolute', 'squared', 'sMAPE'"),
    ],
)
def test_dm_rejects_bad_arguments(kwargs: dict, message: str) -> None:
    truth, a, b = forecasts(5)
    with pytest.raises(ValueError, match=message):
        diebold_mariano(truth, a, b, **kwargs)


def test_dm_rejects_short_or_broken_series() -> None:
    with pytest.raises(ValueError, match=r"2 forecasts: the Diebold–Mariano test needs at least 3"):
        diebold_mariano([1.0, 2.0], [1.0, 2.0], [1.5, 2.5])
    with pytest.raises(ValueError, match=r"pred_b holds NaN"):
        diebold_mariano([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [1.0, np.inf, 3.0])
    with pytest.raises(ValueError, match=r"pred_a has shape \(2,\), but there are 3 test items"):
        diebold_mariano([1.0, 2.0, 3.0], [1.0, 2.0], [1.0, 2.0, 3.0])


# --------------------------------------------------------------------------- verdicts


def test_verdict_names_the_winner_with_its_lead() -> None:
    y, a, b = two_classifiers(a_only=10, b_only=2, both=80, neither=8)
    text = verdict(mcnemar(y, a, b), "GRU", "TF-IDF")
    assert text.startswith("GRU is better than TF-IDF (accuracy +8.0 points, 95 % CI [")
    assert text.endswith("exact McNemar, p = 0.04)")  # 158 / 4096 = 0.0386
    reverse = verdict(mcnemar(y, b, a), "TF-IDF", "GRU")
    assert reverse.startswith("GRU is better than TF-IDF (accuracy +8.0 points")
    # the interval is the winner's lead, so it is positive
    low, high = (float(v) for v in reverse.split("CI [")[1].split("]")[0].split(", "))
    assert 0 < low < 8.0 < high


def test_verdict_never_says_equal_when_nothing_is_shown() -> None:
    y, a, b = two_classifiers(a_only=6, b_only=5, both=80, neither=9)
    text = verdict(mcnemar(y, a, b), "bigru", "gru")
    assert text.startswith(
        "bigru and gru: not shown different (accuracy bigru - gru = +1.0 points, 95 % CI ["
    )
    for word in ("equal", "indistinguishable", "the same", "no difference"):
        assert word not in text


def test_verdict_for_errors_says_lower_by() -> None:
    truth, a, b = forecasts()
    text = verdict(diebold_mariano(truth, a, b, loss="sMAPE"), "GRU", "persistence", scale=1.0, digits=2)
    assert text.startswith("GRU is better than persistence (sMAPE lower by ")
    assert "Diebold–Mariano (HLN, lag 0), p = 0.002)" in text
    lead = float(text.split("lower by ")[1].split(" ")[0])
    low, high = (float(v) for v in text.split("CI [")[1].split("]")[0].split(", "))
    assert 0 < low < lead < high
    backwards = verdict(diebold_mariano(truth, b, a, loss="sMAPE"), "persistence", "GRU", scale=1.0, digits=2)
    assert backwards == text


def test_verdict_and_format_p_edges() -> None:
    assert format_p(0.0004) == "p < 0.001" and format_p(0.0042) == "p = 0.004" and format_p(0.5) == "p = 0.50"
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match=r"is not a probability"):
            format_p(bad)
    c = Comparison("t", "accuracy", 0.0, -0.01, 0.01, 1.0, 10, True)
    with pytest.raises(ValueError, match=r"digits=-1"):
        verdict(c, "a", "b", digits=-1)
    with pytest.raises(ValueError, match=r"width=10"):
        verdict(c, "a", "b", width=10)
    long = verdict(c, "a model with a long name", "another model with a long name", width=40)
    lines = long.splitlines()
    assert len(lines) > 2 and all(len(line) <= 40 for line in lines)
    assert all(line.startswith("    ") for line in lines[1:])
    one_line = verdict(c, "a model with a long name", "another model with a long name")
    assert " ".join(line.strip() for line in lines) == one_line
    for line in lines:  # the interval and the p-value are never cut in two
        assert line.count("[") == line.count("]") and not line.rstrip().endswith(("%", "CI", "p", "="))
    # significance follows the confidence: p = 0.03 is shown at 95 %, not at 99 %
    assert Comparison("t", "accuracy", 0.02, 0.01, 0.03, 0.03, 10, True).better == "A"
    # a p-value under alpha beside an interval that holds 0 (two methods disagreeing): no winner
    disagree = Comparison("sign test", "accuracy", 0.008, -0.004, 0.02, 0.03, 2066, True)
    assert disagree.better is None
    assert "not shown different" in verdict(disagree, "A", "B")
    # pooled seeds: the mean favours A while more items are won by B (the sign test's direction)
    wins = {"a_only": 150.0, "b_only": 210.0}
    split = Comparison("sign test", "accuracy", 0.01, 0.002, 0.018, 0.002, 2066, True, details=wins)
    assert split.better is None and "not shown different" in verdict(split, "A", "B")
    agree = Comparison("sign test", "accuracy", -0.01, -0.018, -0.002, 0.002, 2066, True, details=wins)
    assert agree.better == "B"
    assert Comparison("t", "accuracy", 0.02, -0.01, 0.05, 0.03, 10, True, confidence=0.99).better is None


# --------------------------------------------------------------------------- single numbers

#: Two-sided 95 % Student t quantiles in closed form (about 4.3027 and 12.706 in a t table): with
#: 2 degrees of freedom t_p = (2p - 1) / sqrt(2p(1 - p)), with 1 it is tan(pi (p - 1/2)); p = 0.975.
T95_DF2 = 0.95 / math.sqrt(2 * 0.975 * 0.025)
T95_DF1 = math.tan(math.pi * 0.475)


def test_seeds_succeeded_counts() -> None:
    assert str(seeds_succeeded([True, False, True])) == "2 of 3 seeds"
    assert seeds_succeeded(np.array([1, 1])) == SeedCount(2, 2)
    assert str(SeedCount(1, 1)) == "1 of 1 seed"
    with pytest.raises(ValueError, match=r"No outcomes"):
        seeds_succeeded([])
    with pytest.raises(ValueError, match=r"Outcomes must be True/False"):
        seeds_succeeded([0.83, 1.0])


def test_mean_interval_refuses_to_pass_the_metrics_range() -> None:
    assert mean_interval([0.80, 0.82, 0.84], bounds=(0, 1))[0] == pytest.approx(0.82)
    with pytest.raises(ValueError, match=r"reaches outside the metric's range \(0, 1\).*seeds_succeeded"):
        mean_interval([1.0, 1.0, 0.5], bounds=(0, 1))
def test_wilson_interval_by_hand() -> None:
    # 5 of 10 at 95 %: centre 0.5, half-width z*sqrt(0.025 + z^2/400) / (1 + z^2/10), z = 1.959964
    z = 1.959963984540054
    half = z * math.sqrt(0.025 + z * z / 400) / (1 + z * z / 10)
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(0.5 - half, rel=1e-12) and high == pytest.approx(0.5 + half, rel=1e-12)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)
    # The ends: never a zero-width interval, never outside [0, 1], exact 0 and 1.
    low, high = wilson_interval(7, 7)
    assert high == 1.0 and low == pytest.approx(7 / (7 + z * z), rel=1e-12)  # n/n: low = n / (n + z^2)
    zero_low, zero_high = wilson_interval(0, 7)
    assert zero_low == 0.0 and zero_high == pytest.approx(1.0 - low, rel=1e-12)
    # Symmetric in successes <-> failures, narrower with more examples or less confidence.
    assert wilson_interval(2, 9)[0] == pytest.approx(1 - wilson_interval(7, 9)[1])
    assert np.diff(wilson_interval(50, 100)) < np.diff(wilson_interval(5, 10))
    assert np.diff(wilson_interval(5, 10, confidence=0.5)) < np.diff(wilson_interval(5, 10))
    assert all(isinstance(v, float) for v in wilson_interval(np.int64(3), np.int64(4)))


@pytest.mark.parametrize(
    ("successes", "n", "confidence", "message"),
    [
        (0, 0, 0.95, r"n=0: an interval needs at least one example"),
        (8, 7, 0.95, r"successes=8 must be between 0 and n=7"),
        (-1, 7, 0.95, r"successes=-1"),
        (2.5, 7, 0.95, r"whole numbers"),
        (2, 7, 1.0, r"confidence=1\.0: use a number strictly between 0 and 1"),
        (2, 7, 0.0, r"confidence=0\.0"),
    ],
)
def test_wilson_interval_errors(successes: float, n: int, confidence: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        wilson_interval(successes, n, confidence)  # type: ignore[arg-type]




def test_mean_interval_by_hand() -> None:
    mean, half = mean_interval([1, 2, 3])  # sample standard deviation 1
    assert mean == 2.0
    assert half == pytest.approx(T95_DF2 / math.sqrt(3), rel=1e-12)
    mean, half = mean_interval(np.array([0.5, 0.7]))  # sd = sqrt(0.02), / sqrt(2) = 0.1
    assert mean == pytest.approx(0.6) and half == pytest.approx(T95_DF1 * 0.1, rel=1e-9)
    _, half90 = mean_interval([1, 2, 3], confidence=0.9)
    assert half90 == pytest.approx(0.9 / math.sqrt(2 * 0.95 * 0.05) / math.sqrt(3), rel=1e-12)
    assert mean_interval([4.0, 4.0, 4.0]) == (4.0, 0.0)
    assert all(isinstance(v, float) for v in mean_interval([1, 2]))


@pytest.mark.parametrize(
    ("values", "confidence", "message"),
    [
        ([0.9], 0.95, r"at least two values \(one per seed\), got 1"),
        ([], 0.95, r"at least two values .*got 0"),
        ([[1.0, 2.0], [3.0, 4.0]], 0.95, r"at least two values .*got 4"),
        ([1.0, float("nan")], 0.95, r"Values must be finite numbers, got \[1\.0, nan\]"),
        ([1.0, float("inf")], 0.95, r"Values must be finite"),
        ([1.0, 2.0], 1.0, r"confidence=1\.0: use a number strictly between 0 and 1"),
        ([1.0, 2.0], 0.0, r"confidence=0\.0"),
        ([1.0, 2.0], 95, r"confidence=95"),
    ],
)
def test_mean_interval_errors(values: list[float], confidence: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        mean_interval(values, confidence)


