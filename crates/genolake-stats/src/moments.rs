//! Mean, standard deviation, minimum and maximum in one pass, mergeable.

/// Glow's `mean`, `stdDev`, `min`, `max` struct (`array_summary_stats`,
/// `dp_summary_stats`, `gq_summary_stats` and their per-sample forms).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SummaryStats {
    /// Arithmetic mean.
    pub mean: f64,
    /// The *sample* standard deviation (divisor `count − 1`), as Glow
    /// computes it (its documentation says population, its code and tests
    /// divide by `count − 1`); NaN for a single value.
    pub std_dev: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

/// A running count, mean and sum of squared deviations (Welford), with
/// minimum and maximum; two of them merge exactly (Chan et al.), so partial
/// results over parts of the data combine.
///
/// ```
/// use genolake_stats::Moments;
///
/// let mut left = Moments::default();
/// left.extend([0.0, 1.0]);
/// let mut right = Moments::default();
/// right.push(2.0);
/// left.merge(&right);
/// let stats = left.summary().unwrap();
/// assert_eq!((stats.mean, stats.std_dev, stats.min, stats.max), (1.0, 1.0, 0.0, 2.0));
/// assert_eq!(Moments::default().summary(), None);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    /// Values seen.
    pub count: u64,
    /// Their mean.
    pub mean: f64,
    /// Sum of squared deviations from the mean.
    pub m2: f64,
    /// Smallest value (meaningless while `count` is 0).
    pub min: f64,
    /// Largest value (meaningless while `count` is 0).
    pub max: f64,
}

impl Moments {
    /// Adds one value.
    #[inline]
    pub fn push(&mut self, x: f64) {
        self.count += 1;
        let delta = x - self.mean;
        let step = delta / self.count as f64;
        self.mean += step;
        self.m2 += delta * (delta - step);
        if self.count == 1 {
            self.min = x;
            self.max = x;
        } else {
            // A NaN fails both comparisons and leaves them alone, as in
            // Glow.
            if x < self.min {
                self.min = x;
            }
            if x > self.max {
                self.max = x;
            }
        }
    }

    /// Adds every value of `values`.
    pub fn extend(&mut self, values: impl IntoIterator<Item = f64>) {
        for x in values {
            self.push(x);
        }
    }

    /// Adds the values another accumulator has seen.
    pub fn merge(&mut self, other: &Moments) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = *other;
            return;
        }
        let count = self.count + other.count;
        let delta = other.mean - self.mean;
        let step = delta / count as f64;
        self.mean += step * other.count as f64;
        self.m2 += other.m2 + delta * step * self.count as f64 * other.count as f64;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.count = count;
    }

    /// The summary, or `None` before any value (Glow's all-null struct).
    pub fn summary(&self) -> Option<SummaryStats> {
        (self.count > 0).then(|| SummaryStats {
            mean: self.mean,
            std_dev: (self.m2 / (self.count - 1) as f64).sqrt(),
            min: self.min,
            max: self.max,
        })
    }
}

/// Glow's `array_summary_stats`: the summary of the values that are present
/// (`None` entries are skipped), or `None` when there are none.
///
/// ```
/// use genolake_stats::array_summary_stats;
///
/// let stats = array_summary_stats([Some(1.0), None, Some(3.0)]).unwrap();
/// assert_eq!((stats.mean, stats.std_dev), (2.0, 2f64.sqrt()));
/// ```
pub fn array_summary_stats(values: impl IntoIterator<Item = Option<f64>>) -> Option<SummaryStats> {
    let mut moments = Moments::default();
    moments.extend(values.into_iter().flatten());
    moments.summary()
}

#[cfg(test)]
mod tests {
    use super::*;

    // The cases of Glow's VariantQcExprsSuite.
    #[test]
    fn glow_array_summary_cases() {
        let s = array_summary_stats([Some(0.0), Some(1.0), Some(2.0)]).unwrap();
        assert_eq!((s.mean, s.std_dev, s.min, s.max), (1.0, 1.0, 0.0, 2.0));
        assert_eq!(array_summary_stats([]), None);
        let one = array_summary_stats([Some(1.0)]).unwrap();
        assert!(one.std_dev.is_nan() && one.mean == 1.0 && one.min == 1.0 && one.max == 1.0);
        let neg = array_summary_stats([Some(-1.0), Some(-3.0)]).unwrap();
        assert_eq!(
            (neg.mean, neg.std_dev, neg.min, neg.max),
            (-2.0, 2f64.sqrt(), -3.0, -1.0)
        );
    }

    proptest::proptest! {
        #[test]
        fn merged_parts_equal_the_whole(values in proptest::collection::vec(-1e6f64..1e6, 0..60), cut in 0usize..60) {
            let cut = cut.min(values.len());
            let mut whole = Moments::default();
            whole.extend(values.iter().copied());
            let (mut left, mut right) = (Moments::default(), Moments::default());
            left.extend(values[..cut].iter().copied());
            right.extend(values[cut..].iter().copied());
            left.merge(&right);
            proptest::prop_assert_eq!(left.count, whole.count);
            if whole.count > 0 {
                let scale = values.iter().map(|v| v.abs()).fold(1.0, f64::max);
                proptest::prop_assert!((left.mean - whole.mean).abs() <= 1e-9 * scale);
                proptest::prop_assert!((left.m2 - whole.m2).abs() <= 1e-9 * scale * scale * values.len() as f64);
                proptest::prop_assert_eq!((left.min, left.max), (whole.min, whole.max));
            }
        }
    }
}
