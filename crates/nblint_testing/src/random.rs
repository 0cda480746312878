//! A deterministic generator for the mutation tests.

/// A small deterministic generator (xorshift64), so that the mutation tests draw the same
/// edits on every run. The seed must not be 0 (xorshift stays at 0).
#[derive(Debug, Clone)]
pub struct Xorshift(pub u64);

impl Xorshift {
    /// The next number below `bound` (`bound` > 0).
    pub fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        // The remainder is below `bound`, a `usize`, so it fits.
        #[allow(clippy::cast_possible_truncation)]
        let below = (self.0 % bound as u64) as usize;
        below
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_the_same_numbers_below_the_bound_from_the_same_seed() {
        let draws = |seed| {
            let mut random = Xorshift(seed);
            (0..100).map(|_| random.below(7)).collect::<Vec<_>>()
        };
        let first = draws(0x9e37_79b9_7f4a_7c15);
        assert_eq!(first, draws(0x9e37_79b9_7f4a_7c15));
        assert!(first.iter().all(|&draw| draw < 7));
        assert!((0..7).all(|value| first.contains(&value)));
    }
}
