//! The audit's scores as a bar chart, a PNG to send as a photo: the overall
//! score on top, then one horizontal bar per section (0–100 %), each under
//! its title. The PDF draws the same chart on its page as vector paths and
//! text (`Surface`, `draw_on`).
//!
//! Text is drawn with a font embedded in the binary (DejaVu Sans, which has
//! Cyrillic), so the server needs no fonts. The caller passes every word on
//! the chart ([`ChartLabels`]) in the user's language.
//!
//! Rendering the PNG is CPU work of a few milliseconds: from async code
//! call it inside `tokio::task::spawn_blocking`.

use std::collections::HashMap;
use std::sync::OnceLock;

use ab_glyph::{point, Font, FontRef, GlyphId, PxScale, ScaleFont};
use plotters::prelude::RGBColor;
use plotters::style::text_anchor::HPos;

use crate::domain::report::{Report, Score};

/// Width of every chart, in pixels.
pub const CHART_WIDTH: u32 = 1200;

/// The most sections one chart draws; a report with more is refused
/// ([`ChartError::TooManySections`]) rather than drawn as a picture too tall
/// for Telegram to show (width + height must stay under 10 000 px).
pub const MAX_SECTIONS: usize = 40;

/// The words on the chart, in the user's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartLabels {
    /// The heading over the chart.
    pub title: String,
    /// The label of the overall score's bar.
    pub overall: String,
    /// Shown instead of a bar for a score with no applicable answer.
    pub no_data: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("the embedded chart font could not be loaded")]
    Font,
    #[error("too many sections for one chart: {0} (at most {MAX_SECTIONS})")]
    TooManySections(usize),
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    #[error("encoding the chart as PNG failed: {0}")]
    Encode(#[from] png::EncodingError),
}

/// Height of the chart of a report with `sections` sections, in pixels. It
/// depends on nothing else: every section's title gets room for two lines.
pub fn chart_height(sections: usize) -> u32 {
    let sections = u32::try_from(sections).unwrap_or(u32::MAX);
    (SECTIONS_TOP as u32)
        .saturating_add(sections.saturating_mul(SECTION_ROW as u32))
        .saturating_add((AXIS_H + BOTTOM) as u32)
}

/// Draws the chart of `report` and returns it as PNG bytes, of
/// [`CHART_WIDTH`] × [`chart_height`]`(report.sections.len())` pixels.
pub fn section_chart(report: &Report, labels: &ChartLabels) -> Result<Vec<u8>, ChartError> {
    check_sections(report)?;
    let (width, height) = (CHART_WIDTH, chart_height(report.sections.len()));
    let mut canvas = Canvas::new(width, height, BACKGROUND)?;
    draw(&mut canvas, report, labels)?;
    encode_png(&canvas.pixels, &canvas.palette.rgb(), width, height)
}

/// Draws the chart of `report` on `surface`, in the chart's pixels:
/// [`CHART_WIDTH`] × [`chart_height`] from its top left corner. The photo
/// draws it on a bitmap; the PDF (`pdf.rs`) as vector paths and text.
pub(super) fn draw_on(
    surface: &mut impl Surface,
    report: &Report,
    labels: &ChartLabels,
) -> Result<(), ChartError> {
    check_sections(report)?;
    draw(surface, report, labels)
}

fn check_sections(report: &Report) -> Result<(), ChartError> {
    let sections = report.sections.len();
    if sections > MAX_SECTIONS {
        return Err(ChartError::TooManySections(sections));
    }
    Ok(())
}

/// What the chart is drawn on. Coordinates are the chart's pixels, y down;
/// a text's size is the font's full height (ascent + descent), in pixels.
pub(super) trait Surface {
    /// How wide `text` is drawn at `size`.
    fn width_of(&self, text: &str, size: f64) -> Result<i32, ChartError>;

    /// Draws `text` with its baseline at `baseline`, starting (HPos::Left)
    /// or ending (HPos::Right) at `x`.
    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        text: &str,
        size: f64,
        colour: RGBColor,
        weight: Weight,
        x: i32,
        baseline: i32,
        h: HPos,
    ) -> Result<(), ChartError>;

    /// Fills the rectangle from (x0, y0) to (x1, y1), the far edges
    /// excluded; nothing if it is empty.
    fn rect(
        &mut self,
        x0: i32,
        y0: i32,
        x1: i32,
        y1: i32,
        colour: RGBColor,
    ) -> Result<(), ChartError>;
}

// ---------------------------------------------------------------------------
// Layout, in pixels. Font sizes are the font's full height (ascent + descent);
// DejaVu Sans's em is that divided by 1.164, so LABEL_MIN (33) is an em of
// 28.4 px.

const W: i32 = CHART_WIDTH as i32;
const MARGIN: i32 = 40;
const TOP: i32 = 30;

const TITLE_SIZES: [f64; 6] = [48.0, 46.0, 44.0, 42.0, 40.0, 38.0];
const TITLE_LINE: i32 = 60;
const HEADER_GAP: i32 = 18;

const LABEL_SIZES: [f64; 4] = [38.0, 36.0, 34.0, 33.0];
const LABEL_MIN: f64 = 33.0;
const LINE_H: i32 = 42;
const LABEL_LINES: usize = 2;
const LABEL_GAP: i32 = 6;
const ROW_GAP: i32 = 24;

const BAR_H: i32 = 42;
/// How wide the bar of 0 % is drawn.
const ZERO_BAR: i32 = 6;
const OVERALL_BAR_H: i32 = 54;
const OVERALL_LABEL_SIZES: [f64; 4] = [40.0, 38.0, 36.0, 34.0];
const OVERALL_PERCENT_SIZE: f64 = 46.0;
const PERCENT_SIZE: f64 = 38.0;
const NO_DATA_SIZE: f64 = 33.0;
const TICK_SIZE: f64 = 33.0;

/// Space between the overall score and the sections, with a rule in it.
const SEPARATOR: i32 = 24;
/// Right of the bars: the percent.
const PERCENT_COL: i32 = 150;
const AXIS_H: i32 = 64;
const BOTTOM: i32 = 16;

const PLOT_X0: i32 = MARGIN;
const PLOT_X1: i32 = W - MARGIN - PERCENT_COL;

const HEADER_H: i32 = TOP + TITLE_LINE + HEADER_GAP;
const OVERALL_ROW: i32 = LINE_H + LABEL_GAP + OVERALL_BAR_H + ROW_GAP;
const SECTION_ROW: i32 = LABEL_LINES as i32 * LINE_H + LABEL_GAP + BAR_H + ROW_GAP;
const SECTIONS_TOP: i32 = HEADER_H + OVERALL_ROW + SEPARATOR;

/// Where one bar and its title go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Row {
    label_top: i32,
    label_lines: usize,
    bar_top: i32,
    bar_h: i32,
}

impl Row {
    fn overall() -> Row {
        Row {
            label_top: HEADER_H,
            label_lines: 1,
            bar_top: HEADER_H + LINE_H + LABEL_GAP,
            bar_h: OVERALL_BAR_H,
        }
    }

    fn section(index: usize) -> Row {
        let label_top = SECTIONS_TOP + index as i32 * SECTION_ROW;
        Row {
            label_top,
            label_lines: LABEL_LINES,
            bar_top: label_top + LABEL_LINES as i32 * LINE_H + LABEL_GAP,
            bar_h: BAR_H,
        }
    }

    fn bar_center(&self) -> i32 {
        self.bar_top + self.bar_h / 2
    }

    fn bottom(&self) -> i32 {
        self.bar_top + self.bar_h
    }
}

/// How far the bar of `percent` reaches.
fn bar_end(percent: u32) -> i32 {
    PLOT_X0 + (PLOT_X1 - PLOT_X0) * percent.min(100) as i32 / 100
}

// Colours.
const BACKGROUND: RGBColor = RGBColor(0xff, 0xff, 0xff);
const TEXT: RGBColor = RGBColor(0x21, 0x21, 0x21);
const MUTED: RGBColor = RGBColor(0x75, 0x75, 0x75);
const TRACK: RGBColor = RGBColor(0xec, 0xef, 0xf1);
const GRID: RGBColor = RGBColor(0xb0, 0xbe, 0xc5);
const OVERALL_BAND: RGBColor = RGBColor(0xf4, 0xf6, 0xf8);
const RED: RGBColor = RGBColor(0xd3, 0x2f, 0x2f);
const AMBER: RGBColor = RGBColor(0xf5, 0xa6, 0x23);
const GREEN: RGBColor = RGBColor(0x2e, 0x9d, 0x4f);

pub(super) fn bar_colour(percent: u32) -> RGBColor {
    match Band::of(percent) {
        Band::Weak => RED,
        Band::Fair => AMBER,
        Band::Good => GREEN,
    }
}

// ---------------------------------------------------------------------------

use super::palette::{Palette, LEVELS};
use super::{Band, FONT as FONT_BYTES};

/// The embedded font, parsed once a process.
fn face() -> Result<&'static FontRef<'static>, ChartError> {
    static FACE: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FACE.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).ok())
        .as_ref()
        .ok_or(ChartError::Font)
}

/// `text` without the characters the font has no glyph for (emoji, CJK…),
/// which would be drawn as empty boxes.
fn drawable(text: &str) -> String {
    match face() {
        Ok(face) => text
            .chars()
            .filter(|&c| c.is_whitespace() || face.glyph_id(c).0 != 0)
            .collect(),
        Err(_) => text.to_string(),
    }
}

/// The photo's bitmap: one byte a pixel, an index into its palette, row
/// after row from the top. Text is drawn straight into it from the font's
/// glyphs, each glyph rasterized once a chart at each size it is drawn at
/// and blended by its coverage (`palette.rs`); rectangles are filled a row
/// at a time.
struct Canvas {
    pixels: Vec<u8>,
    width: i32,
    height: i32,
    palette: Palette,
    face: &'static FontRef<'static>,
    glyphs: HashMap<(GlyphId, u64), Option<Coverage>>,
}

/// How much of each pixel of its box a glyph covers, in the palette's
/// steps.
struct Coverage {
    /// The box's left edge from the pen, and its top from the baseline.
    left: i32,
    top: i32,
    width: usize,
    levels: Vec<u8>,
}

/// One font file is embedded, not two: bold is drawn twice a pixel apart
/// on the bitmap, stroked as well as filled in the PDF.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Weight {
    Normal,
    Bold,
}

impl Canvas {
    /// A canvas of `width` × `height` pixels of `background`.
    fn new(width: u32, height: u32, background: RGBColor) -> Result<Self, ChartError> {
        Ok(Canvas {
            // The palette's colour 0 is the background: the pixels start as
            // it, zeroed (pages the kernel hands over zeroed, not filled).
            pixels: vec![0; width as usize * height as usize],
            width: i32::try_from(width).map_err(draw_error)?,
            height: i32::try_from(height).map_err(draw_error)?,
            palette: Palette::new(rgb(background)),
            face: face()?,
            glyphs: HashMap::new(),
        })
    }

    /// Blends `glyph` at `size` in the palette's colour `colour` with its
    /// pen at (x, baseline).
    fn glyph(&mut self, glyph: GlyphId, size: f64, colour: u8, x: i32, baseline: i32) {
        let face = self.face;
        let coverage = self
            .glyphs
            .entry((glyph, size.to_bits()))
            .or_insert_with(|| rasterize(face, glyph, size));
        let Some(coverage) = coverage else {
            return; // a space: nothing to draw
        };
        let (x0, y0) = (x + coverage.left, baseline + coverage.top);
        // The part of the box on the canvas.
        let (x_from, x_to) = (
            x0.clamp(0, self.width),
            (x0 + coverage.width as i32).clamp(0, self.width),
        );
        if x_to <= x_from {
            return; // wholly left or right of the canvas
        }
        let skipped = (x_from - x0) as usize;
        for (dy, row) in coverage.levels.chunks_exact(coverage.width).enumerate() {
            let y = y0 + dy as i32;
            if y < 0 || y >= self.height {
                continue;
            }
            let line = y as usize * self.width as usize;
            let pixels = &mut self.pixels[line + x_from as usize..line + x_to as usize];
            for (pixel, &level) in pixels.iter_mut().zip(&row[skipped..]) {
                if level != 0 {
                    *pixel = self.palette.over(*pixel, colour, level);
                }
            }
        }
    }
}

/// `glyph` at `size`, its pen on the origin; `None` for one with no outline.
fn rasterize(face: &FontRef<'static>, glyph: GlyphId, size: f64) -> Option<Coverage> {
    let outline = face.outline_glyph(
        glyph.with_scale_and_position(PxScale::from(size as f32), point(0.0, 0.0)),
    )?;
    let bounds = outline.px_bounds();
    let width = bounds.width() as usize;
    let height = bounds.height() as usize;
    if width == 0 || height == 0 {
        return None;
    }
    let mut levels = vec![0u8; width * height];
    let steps = f32::from(LEVELS - 1);
    outline.draw(|x, y, c| {
        if let Some(level) = levels.get_mut(y as usize * width + x as usize) {
            *level = (c.clamp(0.0, 1.0) * steps).round() as u8;
        }
    });
    Some(Coverage {
        left: bounds.min.x as i32,
        top: bounds.min.y as i32,
        width,
        levels,
    })
}

fn rgb(RGBColor(r, g, b): RGBColor) -> [u8; 3] {
    [r, g, b]
}

fn draw_error(e: impl std::fmt::Display) -> ChartError {
    ChartError::Draw(e.to_string())
}

impl Surface for Canvas {
    fn width_of(&self, text: &str, size: f64) -> Result<i32, ChartError> {
        Ok(lay_out(self.face, text, size, |_, _| {}) as i32)
    }

    fn text(
        &mut self,
        text: &str,
        size: f64,
        colour: RGBColor,
        weight: Weight,
        x: i32,
        baseline: i32,
        h: HPos,
    ) -> Result<(), ChartError> {
        let start = match h {
            HPos::Left => x,
            HPos::Right => x - self.width_of(text, size)?,
            HPos::Center => x - self.width_of(text, size)? / 2,
        };
        let strokes: &[i32] = match weight {
            Weight::Normal => &[0],
            Weight::Bold => &[0, 1],
        };
        let face = self.face;
        let colour = self.palette.index(rgb(colour));
        lay_out(face, text, size, |glyph, pen| {
            for dx in strokes {
                self.glyph(
                    glyph,
                    size,
                    colour,
                    start + pen.round() as i32 + dx,
                    baseline,
                );
            }
        });
        Ok(())
    }

    fn rect(
        &mut self,
        x0: i32,
        y0: i32,
        x1: i32,
        y1: i32,
        colour: RGBColor,
    ) -> Result<(), ChartError> {
        let (x0, x1) = (x0.clamp(0, self.width), x1.clamp(0, self.width));
        let (y0, y1) = (y0.clamp(0, self.height), y1.clamp(0, self.height));
        if x1 <= x0 || y1 <= y0 {
            return Ok(());
        }
        let colour = self.palette.index(rgb(colour));
        for y in y0..y1 {
            let line = y as usize * self.width as usize;
            self.pixels[line + x0 as usize..line + x1 as usize].fill(colour);
        }
        Ok(())
    }
}

/// Calls `each` with every glyph of `text` at `size` and where the pen is
/// as it is drawn (the advances before it, with the font's kerning), and
/// returns how far the pen moves over the whole text.
fn lay_out(
    face: &FontRef<'static>,
    text: &str,
    size: f64,
    mut each: impl FnMut(GlyphId, f32),
) -> f32 {
    let font = face.as_scaled(PxScale::from(size as f32));
    let mut pen = 0f32;
    let mut previous = None;
    for c in text.chars() {
        let glyph = font.glyph_id(c);
        if let Some(previous) = previous {
            pen += font.kern(previous, glyph);
        }
        previous = Some(glyph);
        each(glyph, pen);
        pen += font.h_advance(glyph);
    }
    pen
}

/// Splits `text` into lines no wider than `max`, at the largest of
/// `sizes` where it takes at most `max_lines` lines; failing that, at the
/// smallest size, with the last line cut short by an ellipsis.
fn fit(
    surface: &impl Surface,
    text: &str,
    max: i32,
    sizes: &[f64],
    max_lines: usize,
) -> Result<(f64, Vec<String>), ChartError> {
    let text = drawable(text);
    let mut fitted = (LABEL_MIN, Vec::new());
    for &size in sizes {
        let lines = wrap(&text, max, |s| surface.width_of(s, size))?;
        let fits = lines.len() <= max_lines;
        fitted = (size, lines);
        if fits {
            return Ok(fitted);
        }
    }
    let (size, mut lines) = fitted;
    lines.truncate(max_lines);
    if let Some(last) = lines.last_mut() {
        *last = ellipsize(last, max, |s| surface.width_of(s, size))?;
    }
    Ok((size, lines))
}

/// Greedy word wrap; a word wider than a line is broken between letters.
fn wrap(
    text: &str,
    max: i32,
    mut width: impl FnMut(&str) -> Result<i32, ChartError>,
) -> Result<Vec<String>, ChartError> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if width(&candidate)? <= max {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if width(word)? <= max {
            line = word.to_string();
            continue;
        }
        for c in word.chars() {
            let mut longer = line.clone();
            longer.push(c);
            if line.is_empty() || width(&longer)? <= max {
                line = longer;
            } else {
                lines.push(std::mem::replace(&mut line, c.to_string()));
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    Ok(lines)
}

/// `line` with an ellipsis after as much of it as fits in `max`.
fn ellipsize(
    line: &str,
    max: i32,
    mut width: impl FnMut(&str) -> Result<i32, ChartError>,
) -> Result<String, ChartError> {
    let mut kept: Vec<char> = line.chars().collect();
    loop {
        let text: String = kept.iter().collect::<String>().trim_end().to_string() + "…";
        if kept.is_empty() || width(&text)? <= max {
            return Ok(text);
        }
        kept.pop();
    }
}

fn draw(
    canvas: &mut impl Surface,
    report: &Report,
    labels: &ChartLabels,
) -> Result<(), ChartError> {
    // The heading.
    let (size, title) = fit(canvas, &labels.title, W - 2 * MARGIN, &TITLE_SIZES, 1)?;
    if let Some(line) = title.first() {
        let baseline = TOP + line_baseline(TITLE_LINE, size);
        canvas.text(line, size, TEXT, Weight::Bold, MARGIN, baseline, HPos::Left)?;
    }

    // The overall score, on a band of its own.
    let row = Row::overall();
    canvas.rect(
        MARGIN / 2,
        row.label_top - 8,
        W - MARGIN / 2,
        row.bottom() + ROW_GAP / 2 + 4,
        OVERALL_BAND,
    )?;
    draw_row(
        canvas,
        &row,
        &labels.overall,
        report.overall,
        labels,
        &OVERALL_LABEL_SIZES,
        Weight::Bold,
        OVERALL_PERCENT_SIZE,
    )?;
    if !report.sections.is_empty() {
        let rule = Row::overall().bottom() + ROW_GAP + SEPARATOR / 2;
        canvas.rect(MARGIN, rule - 1, W - MARGIN, rule + 1, GRID)?;
    }

    for (i, section) in report.sections.iter().enumerate() {
        draw_row(
            canvas,
            &Row::section(i),
            &section.title,
            section.score,
            labels,
            &LABEL_SIZES,
            Weight::Normal,
            PERCENT_SIZE,
        )?;
    }

    // The axis: 0–100 %, under the last bar (or under the overall band).
    let axis = Row::section(report.sections.len()).label_top - ROW_GAP / 2;
    canvas.rect(PLOT_X0, axis, PLOT_X1 + 1, axis + 2, GRID)?;
    let baseline = axis + 14 + line_baseline(LINE_H, TICK_SIZE);
    for tick in (0..=100).step_by(25) {
        let x = bar_end(tick);
        canvas.rect(x - 1, axis, x + 1, axis + 12, GRID)?;
        let label = format!("{tick} %");
        let half = canvas.width_of(&label, TICK_SIZE)? / 2;
        canvas.text(
            &label,
            TICK_SIZE,
            MUTED,
            Weight::Normal,
            x - half,
            baseline,
            HPos::Left,
        )?;
    }
    Ok(())
}

/// The baseline of one line of text of `size`, centred in a line `line_h`
/// high, from the line's top.
fn line_baseline(line_h: i32, size: f64) -> i32 {
    // DejaVu Sans: ascent 0.797, descent 0.203 of the full height.
    ((line_h as f64 - size) / 2.0 + size * 0.797).round() as i32
}

/// The baseline that centres capitals of `size` on `center`.
fn centred_baseline(center: i32, size: f64) -> i32 {
    // DejaVu Sans: cap height 0.626 of the full height.
    center + (size * 0.626 / 2.0).round() as i32
}

#[allow(clippy::too_many_arguments)]
fn draw_row(
    canvas: &mut impl Surface,
    row: &Row,
    title: &str,
    score: Score,
    labels: &ChartLabels,
    label_sizes: &[f64],
    weight: Weight,
    percent_size: f64,
) -> Result<(), ChartError> {
    // The title, as close above the bar as it fits.
    let (size, lines) = fit(canvas, title, W - 2 * MARGIN, label_sizes, row.label_lines)?;
    let first_slot = row.label_lines - lines.len();
    for (i, line) in lines.iter().enumerate() {
        let top = row.label_top + (first_slot + i) as i32 * LINE_H;
        let baseline = top + line_baseline(LINE_H, size);
        canvas.text(line, size, TEXT, weight, MARGIN, baseline, HPos::Left)?;
    }

    // The track, the bar and quarter marks over both.
    let (y0, y1) = (row.bar_top, row.bottom());
    canvas.rect(PLOT_X0, y0, PLOT_X1, y1, TRACK)?;
    match score.percent() {
        Some(percent) => {
            // A zero gets a sliver, so that its colour still shows.
            let end = bar_end(percent).max(PLOT_X0 + ZERO_BAR);
            canvas.rect(PLOT_X0, y0, end, y1, bar_colour(percent))?;
            for quarter in [25, 50, 75] {
                let x = bar_end(quarter);
                canvas.rect(x - 1, y0, x + 1, y1, BACKGROUND)?;
            }
            canvas.text(
                &format!("{percent} %"),
                percent_size,
                TEXT,
                Weight::Bold,
                W - MARGIN,
                centred_baseline(row.bar_center(), percent_size),
                HPos::Right,
            )?;
        }
        None => {
            let pad = 16;
            let (size, text) = fit(
                canvas,
                &labels.no_data,
                PLOT_X1 - PLOT_X0 - 2 * pad,
                &[NO_DATA_SIZE],
                1,
            )?;
            if let Some(text) = text.first() {
                canvas.text(
                    text,
                    size,
                    MUTED,
                    Weight::Normal,
                    PLOT_X0 + pad,
                    centred_baseline(row.bar_center(), size),
                    HPos::Left,
                )?;
            }
        }
    }
    Ok(())
}

fn encode_png(
    pixels: &[u8],
    palette: &[u8],
    width: u32,
    height: u32,
) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_palette(palette);
    // Fastest: the same quick deflate as Fast, each row stored as its
    // difference from the row above (Filter::Up) instead of trying five
    // filters a row. The chart is rows of flat colour: most differences are
    // zero.
    encoder.set_compression(png::Compression::Fastest);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(pixels)?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report::SectionReport;

    fn labels() -> ChartLabels {
        ChartLabels {
            title: "Результаты аудита оттока".into(),
            overall: "Общий балл".into(),
            no_data: "нет данных".into(),
        }
    }

    fn score(yes: usize, applicable: usize) -> Score {
        Score { yes, applicable }
    }

    fn report(sections: &[(&str, Score)]) -> Report {
        let overall = sections.iter().fold(Score::default(), |acc, (_, s)| Score {
            yes: acc.yes + s.yes,
            applicable: acc.applicable + s.applicable,
        });
        Report {
            answered: 0,
            total: 0,
            overall,
            sections: sections
                .iter()
                .map(|(title, score)| SectionReport {
                    title: title.to_string(),
                    score: *score,
                    answered: score.applicable,
                    total: score.applicable,
                    weight: 0,
                })
                .collect(),
            problems: Vec::new(),
            top_zones: Vec::new(),
            strengths: Vec::new(),
        }
    }

    /// The six sections of the real checklist, one of each colour and one
    /// without data.
    fn sample() -> Report {
        report(&[
            ("Качество продукта/услуги", score(7, 8)),
            ("Клиентский сервис и поддержка", score(3, 7)),
            ("Онбординг и первое впечатление", score(4, 6)),
            ("Персонализация и коммуникации", score(0, 5)),
            ("Обратная связь и реакции", score(0, 0)),
            ("Проактивное удержание", score(6, 6)),
        ])
    }

    struct Decoded {
        width: u32,
        height: u32,
        rgb: Vec<u8>,
    }

    impl Decoded {
        fn pixel(&self, x: i32, y: i32) -> RGBColor {
            let i = (y as usize * self.width as usize + x as usize) * 3;
            RGBColor(self.rgb[i], self.rgb[i + 1], self.rgb[i + 2])
        }
    }

    fn decode(png_bytes: &[u8]) -> Decoded {
        assert_eq!(&png_bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().expect("a PNG header");
        let mut rgb = vec![0; reader.output_buffer_size().expect("a sane size")];
        let info = reader.next_frame(&mut rgb).expect("PNG image data");
        assert_eq!(info.color_type, png::ColorType::Rgb);
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        rgb.truncate(info.buffer_size());
        Decoded {
            width: info.width,
            height: info.height,
            rgb,
        }
    }

    fn render(report: &Report) -> Decoded {
        let bytes = section_chart(report, &labels()).expect("a chart");
        let decoded = decode(&bytes);
        assert_eq!(
            (decoded.width, decoded.height),
            (CHART_WIDTH, chart_height(report.sections.len()))
        );
        decoded
    }

    #[test]
    fn the_chart_is_a_png_of_the_expected_size() {
        let bytes = section_chart(&sample(), &labels()).expect("a chart");
        // One byte a pixel, from a palette: the nine flat colours and the
        // steps of the text's edges (dark and grey text over white, the
        // band and the track), more than 40 in all.
        let header = png::Decoder::new(std::io::Cursor::new(&bytes))
            .read_info()
            .expect("a PNG header");
        assert_eq!(header.info().color_type, png::ColorType::Indexed);
        let colours = header.info().palette.as_ref().map(|p| p.len() / 3);
        assert!(matches!(colours, Some(41..=256)), "{colours:?}");
        let image = render(&sample());
        assert_eq!((image.width, image.height), (1200, chart_height(6)));
        // Fits Telegram's 1280 px photo without being scaled down.
        assert!(chart_height(6) <= 1280, "{}", chart_height(6));
    }

    #[test]
    fn bars_are_coloured_by_score_and_missing_data_has_no_bar() {
        let image = render(&sample());
        let inside = |row: Row| (PLOT_X0 + 10, row.bar_center());
        let at = |(x, y): (i32, i32)| image.pixel(x, y);
        assert_eq!(at(inside(Row::section(0))), GREEN); // 88 %
        assert_eq!(at(inside(Row::section(1))), RED); // 43 %
        assert_eq!(at(inside(Row::section(2))), AMBER); // 67 %
        assert_eq!(at(inside(Row::section(3))), TRACK); // 0 %: no bar
        assert_eq!(at(inside(Row::section(5))), GREEN); // 100 %
        assert_eq!(at(inside(Row::overall())), AMBER); // 20 of 32: 63 %

        // No bar: the track, at most with the "no data" text on it.
        let row = Row::section(4);
        for x in (PLOT_X0..PLOT_X1).step_by(7) {
            let p = image.pixel(x, row.bar_top + 2);
            assert_eq!(p, TRACK, "at x {x}");
        }
        // A bar reaches as far as its score: 67 % of the plot.
        let row = Row::section(2);
        assert_eq!(image.pixel(bar_end(67) - 3, row.bar_top + 2), AMBER);
        assert_eq!(image.pixel(bar_end(67) + 3, row.bar_top + 2), TRACK);
    }

    #[test]
    fn titles_and_labels_are_drawn_as_text() {
        let image = render(&sample());
        // Some dark pixels in each title's line, and in the percent column.
        let dark_in = |x0: i32, x1: i32, y0: i32, y1: i32| {
            (y0..y1).any(|y| (x0..x1).any(|x| image.pixel(x, y).0 < 0x80))
        };
        for i in 0..6 {
            let row = Row::section(i);
            assert!(
                dark_in(MARGIN, W / 2, row.label_top, row.bar_top),
                "title {i}"
            );
            if i != 4 {
                assert!(
                    dark_in(PLOT_X1, W, row.bar_top, row.bottom()),
                    "percent {i}"
                );
            }
        }
        assert!(dark_in(MARGIN, W / 2, TOP, HEADER_H), "heading");
    }

    #[test]
    fn different_reports_give_different_images() {
        let a = section_chart(&sample(), &labels()).expect("a chart");
        let mut other = sample();
        other.sections[1].score = score(7, 7);
        let b = section_chart(&other, &labels()).expect("a chart");
        assert_ne!(a, b);
        let mut retitled = sample();
        retitled.sections[0].title = "Другое название".into();
        let c = section_chart(&retitled, &labels()).expect("a chart");
        assert_ne!(a, c);
        // The same report gives the same bytes.
        assert_eq!(a, section_chart(&sample(), &labels()).expect("a chart"));
    }

    #[test]
    fn any_report_is_drawn() {
        let empty = report(&[]);
        render(&empty);

        let long = "Очень длинное название раздела, которое никак не поместится в одну \
                    строку на экране телефона, и даже в две строки, потому что оно \
                    продолжается ещё и ещё, без конца и края";
        let unbreakable =
            "Сверхдлиннноенепрерывноесловобезпробеловкотороепридётсяразрезатьпобуквам";
        let odd = ["", "   ", "\n\t", "Эмодзи 🚀 и 中文", long, unbreakable];
        let many: Vec<(String, Score)> = (0..MAX_SECTIONS)
            .map(|i| {
                let title = match odd.get(i) {
                    Some(t) => t.to_string(),
                    None => format!("Раздел {i}"),
                };
                (title, score(i % 5, 4))
            })
            .collect();
        let many: Vec<(&str, Score)> = many.iter().map(|(t, s)| (t.as_str(), *s)).collect();
        render(&report(&many));
        render(&report(&many[..20]));

        let none: Vec<(&str, Score)> = many.iter().map(|(t, _)| (*t, score(0, 0))).collect();
        render(&report(&none[..20]));
        let full: Vec<(&str, Score)> = many.iter().map(|(t, _)| (*t, score(5, 5))).collect();
        render(&report(&full[..20]));

        // Scores the domain never makes do not break the chart either.
        render(&report(&[("Больше, чем всё", score(9, 3))]));

        let blank = ChartLabels {
            title: String::new(),
            overall: String::new(),
            no_data: String::new(),
        };
        section_chart(&report(&none[..3]), &blank).expect("a chart");
        let verbose = ChartLabels {
            title: long.into(),
            overall: long.into(),
            no_data: long.into(),
        };
        section_chart(&report(&none[..3]), &verbose).expect("a chart");
    }

    #[test]
    fn too_many_sections_are_refused() {
        let many: Vec<(&str, Score)> = vec![("Раздел", score(1, 1)); MAX_SECTIONS + 1];
        assert!(matches!(
            section_chart(&report(&many), &labels()),
            Err(ChartError::TooManySections(n)) if n == MAX_SECTIONS + 1
        ));
        assert!(chart_height(MAX_SECTIONS) as usize + CHART_WIDTH as usize <= 10_000);
    }

    #[test]
    fn long_titles_wrap_within_the_width_or_end_in_an_ellipsis() {
        let canvas = Canvas::new(400, 300, BACKGROUND).expect("a canvas");
        let max = W - 2 * MARGIN;
        let two = "Персонализация и коммуникации с клиентами на всех этапах жизненного \
                   цикла и во всех каналах";
        let (size, lines) = fit(&canvas, two, max, &LABEL_SIZES, 2).expect("fits");
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(size >= LABEL_MIN);
        assert_eq!(
            lines.join(" "),
            two.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        for line in &lines {
            assert!(canvas.width_of(line, size).expect("width") <= max, "{line}");
        }

        let endless = two.repeat(4);
        let (size, lines) = fit(&canvas, &endless, max, &LABEL_SIZES, 2).expect("fits");
        assert_eq!(size, LABEL_MIN);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'), "{lines:?}");
        for line in &lines {
            assert!(canvas.width_of(line, size).expect("width") <= max, "{line}");
        }

        let short = fit(&canvas, "Коротко", max, &LABEL_SIZES, 2).expect("fits");
        assert_eq!(short, (LABEL_SIZES[0], vec!["Коротко".to_string()]));

        // What the font cannot draw is left out rather than drawn as boxes.
        let emoji = fit(&canvas, "Удержание 🚀 клиентов", max, &LABEL_SIZES, 2);
        assert_eq!(
            emoji.expect("fits"),
            (LABEL_SIZES[0], vec!["Удержание клиентов".to_string()])
        );
    }

    /// Writes a sample chart where `CHART_SAMPLE` says, and prints how long
    /// one chart takes: `CHART_SAMPLE=/tmp/chart.png cargo test --lib
    /// export::chart -- --nocapture`.
    #[test]
    fn sample_chart() {
        let report = sample();
        section_chart(&report, &labels()).expect("a chart"); // font loaded
        let runs = 5;
        let start = std::time::Instant::now();
        let mut bytes = Vec::new();
        for _ in 0..runs {
            bytes = section_chart(&report, &labels()).expect("a chart");
        }
        println!(
            "chart of {} sections: {} bytes, {:?} per chart",
            report.sections.len(),
            bytes.len(),
            start.elapsed() / runs
        );
        if let Some(path) = std::env::var_os("CHART_SAMPLE") {
            std::fs::write(&path, &bytes).expect("writing the sample");
            println!("wrote {}", std::path::Path::new(&path).display());
        }
    }
}
