//! DYNIQ (schema `dyniq`): business data written by the automation pipeline and the webhooks:
//! leads and their quiz responses, content posts and their metrics, board meetings and the
//! embeddings that make them searchable. One file per table.

include!("domains.gen.rs");
include!("tables.gen.rs");

/// A quiz score of at least this is [`Tier::Hot`]. The SQL function `dyniq.tier_for_score` uses
/// the same thresholds, and a database test keeps the two equal.
pub const HOT_FROM: i32 = 70;
/// A quiz score of at least this (and below [`HOT_FROM`]) is [`Tier::Warm`]; below it,
/// [`Tier::Cold`].
pub const WARM_FROM: i32 = 40;

/// The tier of a quiz score (0 to 100): HOT from 70, WARM from 40, COLD below.
///
/// ```
/// use rowgate_core::dyniq::{tier_for_score, Tier};
/// assert_eq!(tier_for_score(70), Tier::Hot);
/// assert_eq!(tier_for_score(69), Tier::Warm);
/// assert_eq!(tier_for_score(39), Tier::Cold);
/// ```
pub fn tier_for_score(score: i32) -> Tier {
    if score >= HOT_FROM {
        Tier::Hot
    } else if score >= WARM_FROM {
        Tier::Warm
    } else {
        Tier::Cold
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_score_at_a_threshold_takes_the_warmer_tier() {
        assert_eq!(tier_for_score(100), Tier::Hot);
        assert_eq!(tier_for_score(HOT_FROM), Tier::Hot);
        assert_eq!(tier_for_score(HOT_FROM - 1), Tier::Warm);
        assert_eq!(tier_for_score(WARM_FROM), Tier::Warm);
        assert_eq!(tier_for_score(WARM_FROM - 1), Tier::Cold);
        assert_eq!(tier_for_score(0), Tier::Cold);
    }
}
