//! The chart photo's colours, for a PNG of one byte a pixel instead of
//! three: the chart is a few flat colours and text blended over them, so
//! its pixels fit in a palette of 256.
//!
//! Text is blended in [`LEVELS`] steps of coverage. A text colour drawn
//! over a pixel that is already that colour blended over some other
//! ([`Mix`]) blends over the other one with the two coverages combined,
//! so the edges where glyphs overlap (and bold, drawn twice) stay on the
//! same steps instead of making new colours. Should a chart still need
//! more than 256, a colour that does not fit is drawn as the nearest one
//! there is.

use std::collections::HashMap;

/// Steps of coverage: 0 (none) to `LEVELS - 1` (the text colour itself).
pub(super) const LEVELS: u8 = 32;
const FULL: u8 = LEVELS - 1;
const SIZE: usize = 256;
const UNKNOWN: u16 = u16::MAX;

pub(super) struct Palette {
    colours: Vec<[u8; 3]>,
    by_colour: HashMap<[u8; 3], u8>,
    /// How each colour was made, if it is a blend.
    mixes: Vec<Option<Mix>>,
    /// For each text colour, what each colour becomes under it at each
    /// level, as found (`UNKNOWN` until then).
    blends: Vec<Option<Box<[u16]>>>,
}

/// A text colour over a base colour, `level` steps of [`LEVELS`].
#[derive(Clone, Copy)]
struct Mix {
    text: u8,
    base: u8,
    level: u8,
}

impl Palette {
    /// A palette whose colour 0 is `background`.
    pub(super) fn new(background: [u8; 3]) -> Self {
        let mut palette = Palette {
            colours: Vec::with_capacity(SIZE),
            by_colour: HashMap::new(),
            mixes: Vec::with_capacity(SIZE),
            blends: (0..SIZE).map(|_| None).collect(),
        };
        palette.add(background, None);
        palette
    }

    /// The index of `colour`, added if it is new.
    pub(super) fn index(&mut self, colour: [u8; 3]) -> u8 {
        self.add(colour, None)
    }

    /// What colour `under` becomes with `text` over it at `level`.
    #[inline]
    pub(super) fn over(&mut self, under: u8, text: u8, level: u8) -> u8 {
        let slot = usize::from(under) * usize::from(LEVELS) + usize::from(level.min(FULL));
        if let Some(Some(table)) = self.blends.get(usize::from(text)) {
            if let Some(&known) = table.get(slot) {
                if known != UNKNOWN {
                    return known as u8;
                }
            }
        }
        self.blend(under, text, level, slot)
    }

    #[cold]
    fn blend(&mut self, under: u8, text: u8, level: u8, slot: usize) -> u8 {
        if level == 0 {
            return under;
        }
        let made = self.mix(under, text, level.min(FULL));
        let table = self.blends[usize::from(text)]
            .get_or_insert_with(|| vec![UNKNOWN; SIZE * usize::from(LEVELS)].into_boxed_slice());
        table[slot] = u16::from(made);
        made
    }

    /// The colours, three bytes each, in index order: a PNG's `PLTE`.
    pub(super) fn rgb(&self) -> Vec<u8> {
        self.colours.concat()
    }

    fn mix(&mut self, under: u8, text: u8, level: u8) -> u8 {
        let (base, level) = match self.mixes[usize::from(under)] {
            Some(mix) if mix.text == text => (mix.base, combined(mix.level, level)),
            _ => (under, level),
        };
        if level >= FULL || base == text {
            return text;
        }
        let (from, to) = (
            self.colours[usize::from(base)],
            self.colours[usize::from(text)],
        );
        let colour = [0, 1, 2].map(|c| lerp(from[c], to[c], level));
        self.add(colour, Some(Mix { text, base, level }))
    }

    fn add(&mut self, colour: [u8; 3], mix: Option<Mix>) -> u8 {
        if let Some(&index) = self.by_colour.get(&colour) {
            return index;
        }
        let Ok(index) = u8::try_from(self.colours.len()) else {
            return self.nearest(colour);
        };
        self.colours.push(colour);
        self.mixes.push(mix);
        self.by_colour.insert(colour, index);
        index
    }

    fn nearest(&self, colour: [u8; 3]) -> u8 {
        let distance = |other: &[u8; 3]| -> u32 {
            (0..3)
                .map(|c| {
                    (i32::from(colour[c]) - i32::from(other[c]))
                        .unsigned_abs()
                        .pow(2)
                })
                .sum()
        };
        (0..self.colours.len())
            .min_by_key(|&i| distance(&self.colours[i]))
            .and_then(|i| u8::try_from(i).ok())
            .unwrap_or(0)
    }
}

/// Coverage `a` then `b` over it, in steps: 1 − (1 − a)(1 − b).
fn combined(a: u8, b: u8) -> u8 {
    let (a, b, full) = (u32::from(a), u32::from(b), u32::from(FULL));
    let left = ((full - a.min(full)) * (full - b.min(full)) + full / 2) / full;
    (full - left) as u8
}

/// `from` towards `to` by `level` steps of `FULL`, rounded.
fn lerp(from: u8, to: u8, level: u8) -> u8 {
    let (from, to, level, full) = (
        i32::from(from),
        i32::from(to),
        i32::from(level),
        i32::from(FULL),
    );
    let scaled = (to - from) * level;
    let rounded = (scaled + scaled.signum() * full / 2) / full;
    (from + rounded).clamp(0, 255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHITE: [u8; 3] = [0xff, 0xff, 0xff];
    const INK: [u8; 3] = [0x21, 0x21, 0x21];
    const GREY: [u8; 3] = [0xec, 0xef, 0xf1];

    #[test]
    fn colour_zero_is_the_background_and_a_colour_is_added_once() {
        let mut palette = Palette::new(WHITE);
        assert_eq!(palette.index(WHITE), 0);
        let ink = palette.index(INK);
        assert_eq!(ink, 1);
        assert_eq!(palette.index(INK), ink);
        assert_eq!(palette.rgb(), [WHITE, INK].concat());
    }

    #[test]
    fn text_over_a_colour_blends_by_level() {
        let mut palette = Palette::new(WHITE);
        let ink = palette.index(INK);
        assert_eq!(palette.over(0, ink, 0), 0);
        assert_eq!(palette.over(0, ink, FULL), ink);
        assert_eq!(palette.over(0, ink, LEVELS + 5), ink);
        let half = palette.over(0, ink, 16);
        let rgb = palette.rgb();
        let colour = &rgb[usize::from(half) * 3..][..3];
        // 255 − (255 − 33) · 16/31 = 140.4, rounded.
        assert_eq!(colour, [140, 140, 140]);
        // Asked again, the same colour, not another.
        assert_eq!(palette.over(0, ink, 16), half);
        assert_eq!(palette.rgb().len(), 9);
    }

    #[test]
    fn text_over_its_own_blend_stays_on_the_same_steps() {
        let mut palette = Palette::new(WHITE);
        let ink = palette.index(INK);
        let grey = palette.index(GREY);
        // Half over half is three quarters of the way to the text colour:
        // 31 − 15 · 15 / 31 = 23.7 steps.
        let half = palette.over(0, ink, 16);
        let twice = palette.over(half, ink, 16);
        let direct = palette.over(0, ink, combined(16, 16));
        assert_eq!(twice, direct);
        assert_eq!(combined(16, 16), 24);
        // Every pair of levels over white, and over grey, in 256 colours.
        for a in 1..LEVELS {
            for b in 1..LEVELS {
                let once = palette.over(0, ink, a);
                palette.over(once, ink, b);
                let once = palette.over(grey, ink, a);
                palette.over(once, ink, b);
            }
        }
        // White, ink, grey and at most 30 steps between ink and each of the
        // two (near the ink some steps over either are the same colour).
        let colours = palette.rgb().len() / 3;
        assert!((50..=3 + 2 * 30).contains(&colours), "{colours} colours");
    }

    #[test]
    fn a_full_palette_draws_a_new_colour_as_the_nearest_there_is() {
        let mut palette = Palette::new([0, 0, 0]);
        for i in 1..=254u8 {
            assert_eq!(palette.index([i, 0, 0]), i);
        }
        let blue = palette.index([0, 0, 200]);
        assert_eq!(blue, 255);
        assert_eq!(palette.index([200, 3, 1]), 200);
        assert_eq!(palette.index([0, 0, 180]), blue);
        assert_eq!(palette.rgb().len(), 256 * 3);
        // A blend that would be new is the nearest, too: [0, 0, 65] is
        // nearer black than any red or the blue.
        assert_eq!(palette.over(0, blue, 10), 0);
    }
}
