//! The report as a PDF document to send as a file, forward or print: A4
//! pages with the title, date and user's name, the overall and section
//! scores, the chart, every answer by section (with priority and note), the
//! problems by priority with the recommended actions, and the action plan.
//!
//! Written with `pdf-writer` (objects only); the layout is ours: text is
//! wrapped to the column it sits in, tables repeat their header on every
//! page they run onto, and a row too tall for one page is split across
//! pages. Text is real text (extractable, searchable) in DejaVu Sans, the
//! font the chart uses, embedded as a subset of the glyphs the document
//! uses. One font file means no bold face: headings are drawn as bold by
//! stroking the glyphs' outlines as well as filling them.
//!
//! Building a report is CPU work of a few milliseconds to some tens: from
//! async code call it inside `tokio::task::spawn_blocking`.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::ops::Range;

use ab_glyph::{Font as _, FontRef, GlyphId};
use flate2::write::ZlibEncoder;
use flate2::Compression;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, TextRenderingMode, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use plotters::style::text_anchor::HPos;
use plotters::style::RGBColor;

use crate::domain::audit::{Answer, Priority};
use crate::domain::report::Report;

use super::chart::{self, chart_height, ChartError, ChartLabels, Surface, Weight, CHART_WIDTH};
use super::labels::{format_date, ExportLabels};
use super::{Band, ExportError, ReportInput, FONT};

/// Renders the report as PDF bytes. With `chart`, the section chart (the
/// photo's drawing, [`super::section_chart`], as vector paths and text in
/// those words) follows the scores at the page's width; `None` leaves it
/// out.
pub fn report_pdf(
    input: &ReportInput,
    labels: &ExportLabels,
    chart: Option<&ChartLabels>,
) -> Result<Vec<u8>, ExportError> {
    let face = Face::load()?;
    let report = Report::new(input.checklist, input.audit);
    let mut layout = Layout::new(&face);
    lay_out(&mut layout, input, labels, &report, chart);
    layout.footers(input, labels);
    write(&face, &layout.pages, input, labels)
}

// ---------------------------------------------------------------------------
// Page geometry, in points (1/72 inch), y from the top of the page.

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 50.0;
const MARGIN_TOP: f32 = 50.0;
const MARGIN_BOTTOM: f32 = 60.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;
const CONTENT_BOTTOM: f32 = PAGE_H - MARGIN_BOTTOM;
/// Baseline of the footer line.
const FOOTER_BASELINE: f32 = PAGE_H - 32.0;

/// Line height, as a multiple of the font size.
const LEADING: f32 = 1.3;

const TITLE_SIZE: f32 = 20.0;
const SUBTITLE_SIZE: f32 = 12.0;
const BODY_SIZE: f32 = 10.0;
const OVERALL_SIZE: f32 = 16.0;
const HEADING_SIZE: f32 = 14.0;
const SUBHEADING_SIZE: f32 = 11.5;
const TABLE_SIZE: f32 = 9.0;
const NOTE_SIZE: f32 = 8.5;
const FOOTER_SIZE: f32 = 8.0;

const CELL_PAD_X: f32 = 4.0;
const CELL_PAD_Y: f32 = 3.0;
/// Room a heading keeps below it on its page, so it is not left alone at
/// the bottom.
const KEEP_WITH_HEADING: f32 = 60.0;
/// A table row of more lines than this may be split across pages even if
/// it would fit on one, to leave no big blank at a page's foot.
const TALL_ROW_LINES: usize = 12;
/// The fewest lines of a row put at the foot of a page when it is split.
const SPLIT_MIN_LINES: usize = 3;
/// The widest word that widens a table's column to fit on one line.
const MAX_WORD_WIDTH: f32 = 90.0;
/// How much narrower than the page the chart may be drawn to fit the rest
/// of a page rather than start a new one.
const MIN_CHART_SCALE: f32 = 0.6;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Rgb(f32, f32, f32);

const TEXT: Rgb = Rgb(0.13, 0.13, 0.13);
const MUTED: Rgb = Rgb(0.42, 0.42, 0.42);
const ACCENT: Rgb = Rgb(0.11, 0.27, 0.45);
const HEADER_FILL: Rgb = Rgb(0.91, 0.93, 0.95);
const HEADER_RULE: Rgb = Rgb(0.55, 0.60, 0.65);
const ROW_RULE: Rgb = Rgb(0.82, 0.84, 0.86);
const RED: Rgb = Rgb(0.77, 0.16, 0.16);
const AMBER: Rgb = Rgb(0.78, 0.47, 0.0);
const GREEN: Rgb = Rgb(0.15, 0.52, 0.25);

/// The chart's colours, by the same bands.
fn score_colour(percent: Option<u32>) -> Rgb {
    match percent.map(Band::of) {
        None => MUTED,
        Some(Band::Weak) => RED,
        Some(Band::Fair) => AMBER,
        Some(Band::Good) => GREEN,
    }
}

fn priority_colour(priority: Priority) -> Rgb {
    match priority {
        Priority::High => RED,
        Priority::Medium => AMBER,
        Priority::Low => GREEN,
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Style {
    size: f32,
    bold: bool,
    colour: Rgb,
}

impl Style {
    const fn new(size: f32) -> Self {
        Style {
            size,
            bold: false,
            colour: TEXT,
        }
    }

    const fn bold(self) -> Self {
        Style { bold: true, ..self }
    }

    const fn colour(self, colour: Rgb) -> Self {
        Style { colour, ..self }
    }

    fn line_height(&self) -> f32 {
        self.size * LEADING
    }
}

const BODY: Style = Style::new(BODY_SIZE);
const CELL: Style = Style::new(TABLE_SIZE);
const CELL_HEADER: Style = Style::new(TABLE_SIZE).bold();

// ---------------------------------------------------------------------------
// The font: metrics for layout, glyph ids for the text.

struct Face {
    font: FontRef<'static>,
    units_per_em: f32,
    /// Glyph id and advance of every character below [`LOOKED_UP`], looked
    /// up once: the layout measures each character many times, and a lookup
    /// in the font's character map is a search.
    common: Vec<(u16, f32)>,
}

/// Latin, Latin-1 and Cyrillic: every character of the three languages.
const LOOKED_UP: u32 = 0x500;

/// The glyph id of `c` in `font` (0 if it lacks it) and its advance in font
/// units: a search in the font's character map.
fn look_up(font: &FontRef<'static>, c: char) -> (u16, f32) {
    let glyph = font.glyph_id(c);
    (glyph.0, font.h_advance_unscaled(glyph))
}

impl Face {
    fn load() -> Result<Self, ExportError> {
        let font = FontRef::try_from_slice(FONT).map_err(|_| ExportError::Font)?;
        let units_per_em = font.units_per_em().ok_or(ExportError::Font)?;
        let common = (0..LOOKED_UP)
            .map(|code| char::from_u32(code).map_or((0, 0.0), |c| look_up(&font, c)))
            .collect();
        Ok(Face {
            font,
            units_per_em,
            common,
        })
    }

    /// The glyph of `c` and its advance in font units; `None` for a
    /// character the font lacks (CJK and the like), which is left out of
    /// the document.
    fn glyph_and_advance(&self, c: char) -> Option<(u16, f32)> {
        let (id, advance) = match self.common.get(c as usize) {
            Some(&known) => known,
            None => look_up(&self.font, c),
        };
        (id != 0).then_some((id, advance))
    }

    /// The glyph of `c`; `None` for a character the font lacks.
    fn glyph(&self, c: char) -> Option<u16> {
        self.glyph_and_advance(c).map(|(glyph, _)| glyph)
    }

    /// Advance of a glyph in font units.
    fn advance(&self, glyph: u16) -> f32 {
        self.font.h_advance_unscaled(GlyphId(glyph))
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        let units: f32 = text
            .chars()
            .filter_map(|c| self.glyph_and_advance(c))
            .map(|(_, advance)| advance)
            .sum();
        units * size / self.units_per_em
    }

    /// Ascent + descent, in ems.
    fn full_height(&self) -> f32 {
        (self.font.ascent_unscaled() - self.font.descent_unscaled()) / self.units_per_em
    }

    /// From the top of a line of `size` to its baseline, with the line's
    /// extra leading split above and below the glyphs.
    fn baseline(&self, size: f32) -> f32 {
        let ascent = self.font.ascent_unscaled() / self.units_per_em;
        let descent = self.font.descent_unscaled() / self.units_per_em;
        size * ((LEADING - (ascent - descent)) / 2.0 + ascent)
    }

    /// Splits `text` into lines no wider than `max`: at spaces, at line
    /// breaks the text has, and inside a word longer than a line. Characters
    /// the font lacks are dropped. Always at least one (maybe empty) line.
    fn wrap(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        let space = self.width(" ", size);
        let mut lines = Vec::new();
        let text = text.trim().replace("\r\n", "\n").replace('\r', "\n");
        for paragraph in text.split('\n') {
            let mut line = String::new();
            let mut line_w = 0.0;
            let words = paragraph
                .split(|c: char| c.is_whitespace() && c != '\u{a0}')
                .map(|w| w.chars().filter(|&c| self.glyph(c).is_some()))
                .map(String::from_iter)
                .filter(|w| !w.is_empty());
            for word in words {
                let w = self.width(&word, size);
                if !line.is_empty() && line_w + space + w <= max {
                    line.push(' ');
                    line.push_str(&word);
                    line_w += space + w;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                if w <= max {
                    line = word;
                    line_w = w;
                    continue;
                }
                line_w = 0.0;
                for c in word.chars() {
                    let cw = self.width(c.encode_utf8(&mut [0; 4]), size);
                    if !line.is_empty() && line_w + cw > max {
                        lines.push(std::mem::take(&mut line));
                        line_w = 0.0;
                    }
                    line.push(c);
                    line_w += cw;
                }
            }
            lines.push(line);
        }
        lines
    }

    /// The first line of `text` at `max`, cut short with an ellipsis if the
    /// text takes more.
    fn one_line(&self, text: &str, size: f32, max: f32) -> String {
        let lines = self.wrap(text, size, max);
        if lines.len() <= 1 {
            return lines.into_iter().next().unwrap_or_default();
        }
        let ellipsis = '\u{2026}';
        let mut line = lines.into_iter().next().unwrap_or_default();
        while !line.is_empty() && self.width(&format!("{line}{ellipsis}"), size) > max {
            line.pop();
        }
        line.push(ellipsis);
        line
    }
}

// ---------------------------------------------------------------------------
// Layout: what goes where on which page.

#[derive(Debug, Clone, PartialEq)]
enum Op {
    Text {
        x: f32,
        baseline: f32,
        style: Style,
        text: String,
    },
    Fill {
        x: f32,
        top: f32,
        w: f32,
        h: f32,
        colour: Rgb,
    },
    Rule {
        x0: f32,
        x1: f32,
        y: f32,
        width: f32,
        colour: Rgb,
    },
}

struct Layout<'f> {
    face: &'f Face,
    /// Never empty: the last page is the one being filled.
    pages: Vec<Vec<Op>>,
    /// Where the next thing goes.
    y: f32,
}

/// One column of a table.
struct Column<'a> {
    header: &'a str,
    /// Share of the width left once every column has its least width; 0 for
    /// a column exactly as wide as its header and `fit`.
    weight: f32,
    /// Values the column should show on one line.
    fit: Vec<&'a str>,
}

impl<'a> Column<'a> {
    fn flexible(header: &'a str, weight: f32) -> Self {
        Column {
            header,
            weight,
            fit: Vec::new(),
        }
    }

    fn fixed(header: &'a str, fit: Vec<&'a str>) -> Self {
        Column {
            header,
            weight: 0.0,
            fit,
        }
    }
}

#[derive(Clone)]
struct Cell {
    text: String,
    style: Style,
}

impl Cell {
    fn new(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            style: CELL,
        }
    }

    fn styled(text: impl Into<String>, style: Style) -> Self {
        Cell {
            text: text.into(),
            style,
        }
    }
}

impl<'f> Layout<'f> {
    fn new(face: &'f Face) -> Self {
        Layout {
            face,
            pages: vec![Vec::new()],
            y: MARGIN_TOP,
        }
    }

    fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN_TOP;
    }

    fn room(&self) -> f32 {
        CONTENT_BOTTOM - self.y
    }

    fn at_top(&self) -> bool {
        self.y <= MARGIN_TOP
    }

    /// Starts a new page unless `h` fits on this one (or this one is empty).
    fn need(&mut self, h: f32) {
        if h > self.room() && !self.at_top() {
            self.new_page();
        }
    }

    fn gap(&mut self, h: f32) {
        if !self.at_top() {
            self.y += h;
        }
    }

    fn text(&mut self, x: f32, top: f32, style: Style, text: String) {
        if text.is_empty() {
            return;
        }
        let baseline = top + self.face.baseline(style.size);
        self.push(Op::Text {
            x,
            baseline,
            style,
            text,
        });
    }

    /// Wrapped text from `x`, `width` wide.
    fn paragraph_at(&mut self, text: &str, style: Style, x: f32, width: f32) {
        let lh = style.line_height();
        for line in self.face.wrap(text, style.size, width) {
            self.need(lh);
            self.text(x, self.y, style, line);
            self.y += lh;
        }
    }

    fn paragraph(&mut self, text: &str, style: Style) {
        self.paragraph_at(text, style, MARGIN_X, CONTENT_W);
    }

    /// A heading, on a new page if what follows it would not fit under it.
    fn heading(&mut self, text: &str, style: Style) {
        let lines = self.face.wrap(text, style.size, CONTENT_W);
        let lh = style.line_height();
        self.need(lines.len() as f32 * lh + KEEP_WITH_HEADING);
        for line in lines {
            self.text(MARGIN_X, self.y, style, line);
            self.y += lh;
        }
    }

    /// Lines of «Label: value», the values lined up and wrapped beside the
    /// labels.
    fn labelled(&mut self, pairs: &[(&str, &str)]) {
        let style = BODY.bold().colour(MUTED);
        let labels: Vec<String> = pairs.iter().map(|(l, _)| format!("{l}:")).collect();
        let indent = labels
            .iter()
            .map(|l| self.face.width(l, style.size))
            .fold(0.0, f32::max)
            .min(CONTENT_W / 2.0)
            + 8.0;
        for (label, (_, value)) in labels.into_iter().zip(pairs) {
            self.need(style.line_height());
            let top = self.y;
            self.paragraph_at(&label, style, MARGIN_X, indent - 8.0);
            let below_label = self.y;
            self.y = top;
            self.paragraph_at(value, BODY, MARGIN_X + indent, CONTENT_W - indent);
            self.y = self.y.max(below_label);
        }
    }

    /// The section chart at the content's width, or narrower to fit the
    /// rest of the page (down to [`MIN_CHART_SCALE`] of the width) or a
    /// whole page. A chart that cannot be drawn is left out.
    fn chart(&mut self, report: &Report, labels: &ChartLabels) {
        let (chart_w, chart_h) = (
            CHART_WIDTH as f32,
            chart_height(report.sections.len()) as f32,
        );
        let mut w = CONTENT_W;
        let mut h = w * chart_h / chart_w;
        let page_h = CONTENT_BOTTOM - MARGIN_TOP;
        if h > page_h {
            w *= page_h / h;
            h = page_h;
        }
        let room = self.room();
        if h > room && room / h * w >= MIN_CHART_SCALE * CONTENT_W {
            w *= room / h;
            h = room;
        }
        // Drawn first, from a top of 0, so that a chart that cannot be
        // drawn leaves no page behind it.
        let mut drawn = ChartOps {
            face: self.face,
            scale: w / chart_w,
            x: MARGIN_X + (CONTENT_W - w) / 2.0,
            ops: Vec::new(),
        };
        if let Err(e) = chart::draw_on(&mut drawn, report, labels) {
            log::warn!("the report's chart is left out: {e}");
            return;
        }
        self.need(h);
        let dy = self.y;
        for mut op in drawn.ops {
            match &mut op {
                Op::Text { baseline, .. } => *baseline += dy,
                Op::Fill { top, .. } => *top += dy,
                Op::Rule { y, .. } => *y += dy,
            }
            self.push(op);
        }
        self.y += h;
    }

    /// Column widths that add up to the content width. A fixed column is
    /// as wide as its header's longest word and its `fit` values; flexible
    /// columns share the rest by weight, none narrower than its header's
    /// longest word or its cells' (up to [`MAX_WORD_WIDTH`]).
    fn widths(&self, columns: &[Column], rows: &[Vec<Cell>]) -> Vec<f32> {
        let longest_word = |i: usize| {
            rows.iter()
                .filter_map(|row| row.get(i))
                .flat_map(|cell| {
                    cell.text
                        .split_whitespace()
                        .map(|w| self.face.width(w, cell.style.size))
                })
                .fold(0.0, f32::max)
                .min(MAX_WORD_WIDTH)
        };
        let mins: Vec<f32> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let header = c
                    .header
                    .split_whitespace()
                    .map(|w| self.face.width(w, CELL_HEADER.size))
                    .fold(0.0, f32::max);
                let fit = c
                    .fit
                    .iter()
                    .map(|v| self.face.width(v, CELL.size))
                    .fold(0.0, f32::max);
                // A point of slack for the stroke of bold text.
                header.max(fit).max(longest_word(i)) + 2.0 * CELL_PAD_X + 1.0
            })
            .collect();
        let least: f32 = mins.iter().sum();
        if least >= CONTENT_W {
            return mins.iter().map(|m| m * CONTENT_W / least).collect();
        }
        // Pin at its least width each flexible column whose share is less,
        // until the shares of the others are all wide enough.
        let mut pinned: Vec<bool> = columns.iter().map(|c| c.weight <= 0.0).collect();
        loop {
            let free = CONTENT_W
                - (0..columns.len())
                    .filter(|&i| pinned[i])
                    .map(|i| mins[i])
                    .sum::<f32>();
            let weights: f32 = (0..columns.len())
                .filter(|&i| !pinned[i])
                .map(|i| columns[i].weight)
                .sum();
            if weights <= 0.0 {
                break;
            }
            let share = |i: usize| free * columns[i].weight / weights;
            let narrow: Vec<usize> = (0..columns.len())
                .filter(|&i| !pinned[i] && share(i) < mins[i])
                .collect();
            if narrow.is_empty() {
                return (0..columns.len())
                    .map(|i| if pinned[i] { mins[i] } else { share(i) })
                    .collect();
            }
            for i in narrow {
                pinned[i] = true;
            }
        }
        // No flexible column: the spare width goes to all, by least width.
        mins.iter().map(|m| m * CONTENT_W / least).collect()
    }

    fn cell_lines(&self, row: &[Cell], widths: &[f32]) -> Vec<Vec<String>> {
        row.iter()
            .zip(widths)
            .map(|(cell, w)| {
                self.face
                    .wrap(&cell.text, cell.style.size, w - 2.0 * CELL_PAD_X)
            })
            .collect()
    }

    /// Draws lines `range` of a row's cells at the current position.
    fn row_slice(
        &mut self,
        row: &[Cell],
        lines: &[Vec<String>],
        widths: &[f32],
        range: Range<usize>,
        header: bool,
    ) {
        let lh = CELL.line_height();
        let h = range.len() as f32 * lh + 2.0 * CELL_PAD_Y;
        if header {
            self.push(Op::Fill {
                x: MARGIN_X,
                top: self.y,
                w: CONTENT_W,
                h,
                colour: HEADER_FILL,
            });
        }
        let mut x = MARGIN_X;
        for ((cell, cell_lines), w) in row.iter().zip(lines).zip(widths) {
            let shown = cell_lines
                .iter()
                .skip(range.start)
                .take(range.len())
                .enumerate();
            for (i, line) in shown {
                let top = self.y + CELL_PAD_Y + i as f32 * lh;
                self.text(x + CELL_PAD_X, top, cell.style, line.clone());
            }
            x += w;
        }
        self.y += h;
        let (width, colour) = if header {
            (0.8, HEADER_RULE)
        } else {
            (0.5, ROW_RULE)
        };
        self.push(Op::Rule {
            x0: MARGIN_X,
            x1: MARGIN_X + CONTENT_W,
            y: self.y,
            width,
            colour,
        });
    }

    /// A table with a header row, repeated on each page the table runs onto.
    /// A row goes whole to the next page when it does not fit; a row taller
    /// than a page is split.
    fn table(&mut self, columns: &[Column], rows: &[Vec<Cell>]) {
        let widths = self.widths(columns, rows);
        self.table_in(&widths, columns, rows);
    }

    /// A table with the columns `widths` wide, to line up with another.
    fn table_in(&mut self, widths: &[f32], columns: &[Column], rows: &[Vec<Cell>]) {
        let header: Vec<Cell> = columns
            .iter()
            .map(|c| Cell::styled(c.header, CELL_HEADER))
            .collect();
        let header_lines = self.cell_lines(&header, widths);
        let header_n = header_lines.iter().map(Vec::len).max().unwrap_or(1);
        let lh = CELL.line_height();
        let height = |n: usize| n as f32 * lh + 2.0 * CELL_PAD_Y;
        let header_h = height(header_n);
        // Lines of a row that fit on a page under the header.
        let page_lines =
            (((CONTENT_BOTTOM - MARGIN_TOP - header_h - 2.0 * CELL_PAD_Y) / lh).floor() as usize)
                .max(1);

        let first_lines = rows
            .first()
            .map(|r| self.cell_lines(r, widths))
            .map_or(0, |l| l.iter().map(Vec::len).max().unwrap_or(1).min(3));
        self.need(header_h + height(first_lines));
        self.row_slice(&header, &header_lines, widths, 0..header_n, true);

        for row in rows {
            let lines = self.cell_lines(row, widths);
            let n = lines.iter().map(Vec::len).max().unwrap_or(1);
            let mut start = 0;
            loop {
                let left = n - start;
                let fit = ((self.room() - 2.0 * CELL_PAD_Y) / lh).floor().max(0.0) as usize;
                let fresh_page = fit >= page_lines;
                if fit >= left {
                    self.row_slice(row, &lines, widths, start..n, false);
                    break;
                }
                // A row that fits on a page goes whole to the next one,
                // unless it is tall and a good part of it fits here.
                let move_whole = start == 0
                    && left <= page_lines
                    && (left <= TALL_ROW_LINES || fit < SPLIT_MIN_LINES);
                if !fresh_page && (move_whole || fit < SPLIT_MIN_LINES) {
                    self.new_page();
                    self.row_slice(&header, &header_lines, widths, 0..header_n, true);
                    continue;
                }
                let take = fit.max(1);
                self.row_slice(row, &lines, widths, start..start + take, false);
                start += take;
                self.new_page();
                self.row_slice(&header, &header_lines, widths, 0..header_n, true);
            }
        }
    }

    /// «Title · date · name» on the left of every page's foot, «Page n / N»
    /// on the right.
    fn footers(&mut self, input: &ReportInput, labels: &ExportLabels) {
        let total = self.pages.len();
        let style = Style::new(FOOTER_SIZE).colour(MUTED);
        let left = format!(
            "{} \u{b7} {} \u{b7} {}",
            labels.title,
            format_date(input.date),
            input.user_name
        );
        let top = FOOTER_BASELINE - self.face.baseline(style.size);
        for (i, page) in self.pages.iter_mut().enumerate() {
            let number = format!("{} {} / {total}", labels.page, i + 1);
            let number_w = self.face.width(&number, style.size);
            let left = self
                .face
                .one_line(&left, style.size, CONTENT_W - number_w - 20.0);
            let baseline = top + self.face.baseline(style.size);
            page.push(Op::Rule {
                x0: MARGIN_X,
                x1: MARGIN_X + CONTENT_W,
                y: top - 4.0,
                width: 0.5,
                colour: ROW_RULE,
            });
            page.push(Op::Text {
                x: MARGIN_X,
                baseline,
                style,
                text: left,
            });
            page.push(Op::Text {
                x: MARGIN_X + CONTENT_W - number_w,
                baseline,
                style,
                text: number,
            });
        }
    }
}

// ---------------------------------------------------------------------------
// The report's content.

fn lay_out(
    layout: &mut Layout,
    input: &ReportInput,
    labels: &ExportLabels,
    report: &Report,
    chart: Option<&ChartLabels>,
) {
    let checklist = input.checklist;

    // Title and who, when.
    layout.paragraph(&labels.title, Style::new(TITLE_SIZE).bold().colour(ACCENT));
    layout.gap(2.0);
    layout.paragraph(&checklist.title, Style::new(SUBTITLE_SIZE).colour(MUTED));
    layout.gap(10.0);
    layout.labelled(&[
        (&labels.date, &format_date(input.date)),
        (&labels.user, input.user_name),
        (
            &labels.answered,
            &format!("{} / {}", report.answered, report.total),
        ),
    ]);
    if !report.is_complete() {
        layout.gap(4.0);
        layout.paragraph(&labels.interim, BODY.colour(AMBER));
    }

    // Scores.
    layout.gap(14.0);
    let overall = report.overall.percent();
    layout.paragraph(
        &format!("{}: {}", labels.overall, labels.percent(overall)),
        Style::new(OVERALL_SIZE)
            .bold()
            .colour(score_colour(overall)),
    );
    layout.paragraph(&labels.score_hint, Style::new(NOTE_SIZE).colour(MUTED));
    layout.gap(14.0);
    layout.heading(&labels.scores_heading, Style::new(HEADING_SIZE).bold());
    layout.gap(2.0);
    let score_texts: Vec<String> = report
        .sections
        .iter()
        .map(|s| labels.percent(s.score.percent()))
        .collect();
    let answered_texts: Vec<String> = report
        .sections
        .iter()
        .map(|s| format!("{} / {}", s.answered, s.total))
        .collect();
    let columns = [
        Column::fixed(&labels.col_number, vec!["00"]),
        Column::flexible(&labels.col_section, 1.0),
        Column::fixed(
            &labels.col_score,
            score_texts.iter().map(String::as_str).collect(),
        ),
        Column::fixed(
            &labels.col_answered,
            answered_texts.iter().map(String::as_str).collect(),
        ),
    ];
    let rows: Vec<Vec<Cell>> = report
        .sections
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let percent = s.score.percent();
            vec![
                Cell::new((i + 1).to_string()),
                Cell::new(s.title.as_str()),
                Cell::styled(
                    score_texts[i].as_str(),
                    CELL.bold().colour(score_colour(percent)),
                ),
                Cell::new(answered_texts[i].as_str()),
            ]
        })
        .collect();
    layout.table(&columns, &rows);
    if let Some(chart) = chart {
        layout.gap(16.0);
        layout.chart(report, chart);
    }

    // Every answer, by section.
    layout.gap(22.0);
    layout.heading(&labels.answers_heading, Style::new(HEADING_SIZE).bold());
    let answer_words = [
        labels.answer_yes.as_str(),
        &labels.answer_no,
        &labels.answer_na,
        &labels.no_answer,
    ];
    let priority_words = [
        labels.priority_high.as_str(),
        &labels.priority_medium,
        &labels.priority_low,
    ];
    let columns = [
        Column::fixed(&labels.col_number, vec!["00.00"]),
        Column::flexible(&labels.col_question, 3.0),
        Column::fixed(&labels.col_answer, answer_words.to_vec()),
        Column::fixed(
            &labels.col_priority,
            [priority_words.as_slice(), &[labels.no_priority.as_str()]].concat(),
        ),
        Column::flexible(&labels.col_note, 2.0),
    ];
    let tables: Vec<Vec<Vec<Cell>>> = checklist
        .sections
        .iter()
        .enumerate()
        .map(|(si, section)| {
            section
                .questions
                .iter()
                .enumerate()
                .map(|(qi, q)| {
                    let response = input.audit.response_to(&q.id);
                    let answer_colour = match response.map(|r| r.answer) {
                        Some(Answer::Yes) => GREEN,
                        Some(Answer::No) => RED,
                        _ => MUTED,
                    };
                    let priority_colour = response
                        .and_then(|r| r.priority)
                        .map_or(MUTED, priority_colour);
                    vec![
                        Cell::new(format!("{}.{}", si + 1, qi + 1)),
                        Cell::new(q.text.as_str()),
                        Cell::styled(labels.answer_cell(response), CELL.colour(answer_colour)),
                        Cell::styled(labels.priority_cell(response), CELL.colour(priority_colour)),
                        Cell::new(input.notes.get(&q.id).map_or("", String::as_str)),
                    ]
                })
                .collect()
        })
        .collect();
    // One set of widths, so the sections' tables line up.
    let widths = layout.widths(&columns, &tables.concat());
    for (si, (section, rows)) in checklist.sections.iter().zip(&tables).enumerate() {
        let percent = report.sections.get(si).and_then(|s| s.score.percent());
        layout.gap(10.0);
        layout.heading(
            &format!(
                "{}. {} \u{2014} {}",
                si + 1,
                section.title,
                labels.percent(percent)
            ),
            Style::new(SUBHEADING_SIZE).bold().colour(ACCENT),
        );
        layout.gap(2.0);
        layout.table_in(&widths, &columns, rows);
    }

    // Problems by priority, with what to do.
    layout.gap(22.0);
    layout.heading(&labels.problems_heading, Style::new(HEADING_SIZE).bold());
    if report.problems.is_empty() {
        layout.gap(4.0);
        layout.paragraph(&labels.no_problems, BODY.colour(GREEN));
    }
    let numbers: HashMap<&str, String> = checklist
        .sections
        .iter()
        .enumerate()
        .flat_map(|(si, s)| {
            s.questions
                .iter()
                .enumerate()
                .map(move |(qi, q)| (q.id.as_str(), format!("{}.{}", si + 1, qi + 1)))
        })
        .collect();
    let columns = [
        Column::fixed(&labels.col_number, vec!["00.00"]),
        Column::flexible(&labels.col_question, 1.0),
        Column::flexible(&labels.col_action, 1.3),
    ];
    let groups: Vec<(Priority, Vec<Vec<Cell>>)> = Priority::DESCENDING
        .into_iter()
        .map(|priority| {
            let rows = report
                .problems
                .iter()
                .filter(|p| p.priority == priority)
                .map(|p| {
                    let question = if p.answer == Answer::NotApplicable {
                        format!("{}\n({})", p.text, labels.problem_na)
                    } else {
                        p.text.clone()
                    };
                    let number = numbers.get(p.question_id.as_str()).cloned();
                    vec![
                        Cell::new(number.unwrap_or_default()),
                        Cell::new(question),
                        Cell::new(p.action.as_str()),
                    ]
                })
                .collect();
            (priority, rows)
        })
        .filter(|(_, rows): &(Priority, Vec<Vec<Cell>>)| !rows.is_empty())
        .collect();
    let all: Vec<Vec<Cell>> = groups.iter().flat_map(|(_, rows)| rows.clone()).collect();
    let widths = layout.widths(&columns, &all);
    for (priority, rows) in &groups {
        layout.gap(10.0);
        layout.heading(
            &format!("{} ({})", labels.priority(*priority), rows.len()),
            Style::new(SUBHEADING_SIZE)
                .bold()
                .colour(priority_colour(*priority)),
        );
        layout.gap(2.0);
        layout.table_in(&widths, &columns, rows);
    }

    // The action plan.
    layout.gap(22.0);
    layout.heading(&labels.plan_heading, Style::new(HEADING_SIZE).bold());
    layout.gap(2.0);
    if input.plan.is_empty() {
        layout.paragraph(&labels.no_plan, BODY.colour(MUTED));
        next_step(layout, input, labels);
        return;
    }
    let columns = [
        Column::flexible(&labels.col_zone, 0.8),
        Column::fixed(&labels.col_priority, priority_words.to_vec()),
        Column::flexible(&labels.col_solution, 2.5),
        Column::flexible(&labels.col_owner, 0.7),
        Column::fixed(&labels.col_deadline, vec!["00.00.0000"]),
        Column::fixed(
            &labels.col_done,
            vec![labels.done_yes.as_str(), &labels.done_no],
        ),
    ];
    let rows: Vec<Vec<Cell>> = input
        .plan
        .iter()
        .map(|item| {
            let owner = match &item.owner {
                Some(owner) => Cell::new(owner.as_str()),
                None => Cell::styled(labels.no_owner.as_str(), CELL.colour(MUTED)),
            };
            let deadline = match item.deadline {
                Some(date) => Cell::new(format_date(date)),
                None => Cell::styled(labels.no_deadline.as_str(), CELL.colour(MUTED)),
            };
            let done = Cell::styled(
                labels.done(item.done),
                CELL.colour(if item.done { GREEN } else { TEXT }),
            );
            vec![
                Cell::new(item.zone.as_str()),
                Cell::styled(
                    labels.priority(item.priority),
                    CELL.bold().colour(priority_colour(item.priority)),
                ),
                Cell::new(match &item.blocker {
                    Some(blocker) => {
                        format!("{}\n{} {blocker}", solution_text(item), labels.blocker)
                    }
                    None => solution_text(item),
                }),
                owner,
                deadline,
                done,
            ]
        })
        .collect();
    layout.table(&columns, &rows);
    next_step(layout, input, labels);
}

/// The operator's call to action, if any, at the very end.
fn next_step(layout: &mut Layout, input: &ReportInput, labels: &ExportLabels) {
    let Some((text, url)) = input.next_step else {
        return;
    };
    layout.gap(22.0);
    layout.heading(&labels.next_step, Style::new(HEADING_SIZE).bold());
    layout.gap(2.0);
    layout.paragraph(text, BODY.bold());
    layout.paragraph(url, BODY);
}

/// A plan item's solution as the table shows it: one action as it is,
/// several each on a line of its own after «• ».
fn solution_text(item: &crate::domain::plan::PlanItem) -> String {
    match item.solution_lines().as_slice() {
        [one] => one.to_string(),
        many => many
            .iter()
            .map(|a| format!("\u{2022} {a}"))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

// ---------------------------------------------------------------------------
// The chart, drawn on a page.

/// Takes the chart's drawing (in its pixels) onto a page: a pixel is
/// `scale` points, the chart's top left corner at (`x`, 0); the ops are
/// moved down to where the chart goes once it is drawn.
struct ChartOps<'f> {
    face: &'f Face,
    scale: f32,
    x: f32,
    ops: Vec<Op>,
}

impl ChartOps<'_> {
    /// The em of a text the chart sizes by the font's full height.
    fn em(&self, size: f64) -> f32 {
        size as f32 / self.face.full_height()
    }
}

impl Surface for ChartOps<'_> {
    fn width_of(&self, text: &str, size: f64) -> Result<i32, ChartError> {
        Ok(self.face.width(text, self.em(size)).ceil() as i32)
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
            HPos::Right => x as f32 - self.face.width(text, self.em(size)),
            HPos::Center => x as f32 - self.face.width(text, self.em(size)) / 2.0,
            HPos::Left => x as f32,
        };
        let style = Style {
            size: self.em(size) * self.scale,
            bold: weight == Weight::Bold,
            colour: rgb(colour),
        };
        self.ops.push(Op::Text {
            x: self.x + start * self.scale,
            baseline: baseline as f32 * self.scale,
            style,
            text: text.to_string(),
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
        if x1 > x0 && y1 > y0 {
            self.ops.push(Op::Fill {
                x: self.x + x0 as f32 * self.scale,
                top: y0 as f32 * self.scale,
                w: (x1 - x0) as f32 * self.scale,
                h: (y1 - y0) as f32 * self.scale,
                colour: rgb(colour),
            });
        }
        Ok(())
    }
}

fn rgb(RGBColor(r, g, b): RGBColor) -> Rgb {
    Rgb(r as f32 / 255.0, g as f32 / 255.0, b as f32 / 255.0)
}

/// Compresses the document's streams, one after another, with one
/// compressor: its tables (~300 KB) are allocated once a document, not once
/// a stream. `reset` zeroes them again, but in pages already faulted in.
struct Deflater(ZlibEncoder<Vec<u8>>);

impl Deflater {
    fn new() -> Self {
        Deflater(ZlibEncoder::new(Vec::new(), Compression::fast()))
    }

    fn deflate(&mut self, data: &[u8]) -> Result<Vec<u8>, ExportError> {
        self.0.write_all(data)?;
        // `reset` finishes the stream into the buffer it gives back.
        Ok(self.0.reset(Vec::new())?)
    }
}

// ---------------------------------------------------------------------------
// Writing the PDF.

const FONT_NAME: Name<'static> = Name(b"F1");

fn write(
    face: &Face,
    pages: &[Vec<Op>],
    input: &ReportInput,
    labels: &ExportLabels,
) -> Result<Vec<u8>, ExportError> {
    // The glyphs the document uses, each with the character it stands for.
    let mut glyphs: BTreeMap<u16, char> = BTreeMap::new();
    for op in pages.iter().flatten() {
        if let Op::Text { text, .. } = op {
            for c in text.chars() {
                if let Some(g) = face.glyph(c) {
                    glyphs.entry(g).or_insert(c);
                }
            }
        }
    }

    let mut next = Ref::new(1);
    let catalog_id = next.bump();
    let tree_id = next.bump();
    let info_id = next.bump();
    let font_id = next.bump();
    let cid_font_id = next.bump();
    let descriptor_id = next.bump();
    let font_file_id = next.bump();
    let cmap_id = next.bump();
    let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (next.bump(), next.bump())).collect();

    let mut deflater = Deflater::new();
    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id)
        .pages(tree_id)
        .lang(TextStr(input.checklist.language.code()));
    pdf.document_info(info_id)
        .title(TextStr(&labels.title))
        .subject(TextStr(&input.checklist.title))
        .author(TextStr(input.user_name))
        .creator(TextStr(env!("CARGO_PKG_NAME")));
    pdf.pages(tree_id)
        .kids(page_ids.iter().map(|(page, _)| *page))
        .count(i32::try_from(pages.len()).unwrap_or(i32::MAX));

    for (ops, (page_id, content_id)) in pages.iter().zip(&page_ids) {
        let mut page = pdf.page(*page_id);
        page.parent(tree_id)
            .media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .contents(*content_id);
        let mut resources = page.resources();
        resources.fonts().pair(FONT_NAME, font_id);
        resources.finish();
        page.finish();
        let content = deflater.deflate(&page_content(face, ops))?;
        pdf.stream(*content_id, &content)
            .filter(Filter::FlateDecode);
    }

    write_font(
        &mut pdf,
        &mut deflater,
        face,
        &glyphs,
        [font_id, cid_font_id, descriptor_id, font_file_id, cmap_id],
    )?;

    // The writer's buffer grew by doubling: give back what the file does
    // not use before it waits to be sent.
    let mut bytes = pdf.finish();
    bytes.shrink_to_fit();
    Ok(bytes)
}

fn page_content(face: &Face, ops: &[Op]) -> Vec<u8> {
    let mut content = Content::new();
    for op in ops {
        match op {
            Op::Text {
                x,
                baseline,
                style,
                text,
            } => {
                let glyphs: Vec<u8> = text
                    .chars()
                    .filter_map(|c| face.glyph(c))
                    .flat_map(u16::to_be_bytes)
                    .collect();
                let Rgb(r, g, b) = style.colour;
                content.save_state();
                content.set_fill_rgb(r, g, b);
                if style.bold {
                    content.set_stroke_rgb(r, g, b);
                    content.set_line_width(style.size * 0.045);
                }
                content.begin_text();
                content.set_font(FONT_NAME, style.size);
                content.set_text_rendering_mode(if style.bold {
                    TextRenderingMode::FillStroke
                } else {
                    TextRenderingMode::Fill
                });
                content.next_line(*x, PAGE_H - baseline);
                content.show(Str(&glyphs));
                content.end_text();
                content.restore_state();
            }
            Op::Fill {
                x,
                top,
                w,
                h,
                colour: Rgb(r, g, b),
            } => {
                content.set_fill_rgb(*r, *g, *b);
                content.rect(*x, PAGE_H - top - h, *w, *h);
                content.fill_nonzero();
            }
            Op::Rule {
                x0,
                x1,
                y,
                width,
                colour: Rgb(r, g, b),
            } => {
                content.set_stroke_rgb(*r, *g, *b);
                content.set_line_width(*width);
                content.move_to(*x0, PAGE_H - y);
                content.line_to(*x1, PAGE_H - y);
                content.stroke();
            }
        }
    }
    content.finish().to_vec()
}

/// The font as a Type 0 font of Identity-H encoded glyph ids, with the
/// widths, a ToUnicode map (so the text can be copied and searched) and the
/// TrueType program cut down to the glyphs used.
fn write_font(
    pdf: &mut Pdf,
    deflater: &mut Deflater,
    face: &Face,
    glyphs: &BTreeMap<u16, char>,
    [font_id, cid_font_id, descriptor_id, font_file_id, cmap_id]: [Ref; 5],
) -> Result<(), ExportError> {
    let to_pdf = |units: f32| units * 1000.0 / face.units_per_em;
    // A subset is tagged with six capitals that tell it from other subsets.
    let hash = glyphs.keys().fold(0x811c_9dc5_u32, |h, &g| {
        (h ^ u32::from(g)).wrapping_mul(0x0100_0193)
    });
    let tag: String = (0..6)
        .map(|i| char::from(b'A' + (hash >> (i * 5) & 0x1f) as u8 % 26))
        .collect();
    let base_name = format!("{tag}+DejaVuSans");
    let base_name = Name(base_name.as_bytes());
    let system_info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };

    pdf.type0_font(font_id)
        .base_font(base_name)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_font_id)
        .to_unicode(cmap_id);

    let mut cid = pdf.cid_font(cid_font_id);
    cid.subtype(CidFontType::Type2)
        .base_font(base_name)
        .system_info(system_info)
        .font_descriptor(descriptor_id)
        .default_width(0.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    let mut widths = cid.widths();
    for &g in glyphs.keys() {
        widths.consecutive(g, [to_pdf(face.advance(g))]);
    }
    widths.finish();
    cid.finish();

    let bbox = subset::bbox(FONT).unwrap_or([0, 0, 0, 0]);
    let ascent = face.font.ascent_unscaled();
    let cap_height = face
        .glyph('H')
        .and_then(|g| face.font.outline(GlyphId(g)))
        .map_or(ascent * 0.75, |o| o.bounds.max.y.abs());
    pdf.font_descriptor(descriptor_id)
        .name(base_name)
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(
            to_pdf(f32::from(bbox[0])),
            to_pdf(f32::from(bbox[1])),
            to_pdf(f32::from(bbox[2])),
            to_pdf(f32::from(bbox[3])),
        ))
        .italic_angle(0.0)
        .ascent(to_pdf(ascent))
        .descent(to_pdf(face.font.descent_unscaled()))
        .cap_height(to_pdf(cap_height))
        .stem_v(80.0)
        .font_file2(font_file_id);

    let program = subset::subset(FONT, glyphs.keys().copied()).unwrap_or_else(|| FONT.to_vec());
    let compressed = deflater.deflate(&program)?;
    pdf.stream(font_file_id, &compressed)
        .filter(Filter::FlateDecode)
        .pair(
            Name(b"Length1"),
            i32::try_from(program.len()).unwrap_or(i32::MAX),
        );

    let mut cmap = UnicodeCmap::new(Name(b"Custom"), system_info);
    for (&g, &c) in glyphs {
        cmap.pair(g, c);
    }
    let cmap = deflater.deflate(&cmap.finish())?;
    let mut cmap = pdf.cmap(cmap_id, &cmap);
    cmap.name(Name(b"Custom")).system_info(system_info);
    cmap.filter(Filter::FlateDecode);
    Ok(())
}

/// A TrueType font cut down to some glyphs, keeping glyph ids: the others'
/// outlines are emptied, and the tables a PDF reader needs kept (those of a
/// `FontFile2`: head, hhea, hmtx, maxp, loca, glyf, cvt, fpgm, prep).
mod subset {
    use std::collections::BTreeSet;

    const KEPT: [&[u8; 4]; 9] = [
        b"cvt ", b"fpgm", b"glyf", b"head", b"hhea", b"hmtx", b"loca", b"maxp", b"prep",
    ];

    fn u16_at(data: &[u8], at: usize) -> Option<u16> {
        Some(u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?))
    }

    fn i16_at(data: &[u8], at: usize) -> Option<i16> {
        u16_at(data, at).map(|v| v as i16)
    }

    fn u32_at(data: &[u8], at: usize) -> Option<u32> {
        Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
    }

    fn table<'a>(font: &'a [u8], tag: &[u8; 4]) -> Option<&'a [u8]> {
        let count = usize::from(u16_at(font, 4)?);
        (0..count).find_map(|i| {
            let record = 12 + 16 * i;
            if font.get(record..record + 4)? != tag {
                return None;
            }
            let offset = u32_at(font, record + 8)? as usize;
            let length = u32_at(font, record + 12)? as usize;
            font.get(offset..offset.checked_add(length)?)
        })
    }

    /// The font's bounding box, in font units: x min, y min, x max, y max.
    pub(super) fn bbox(font: &[u8]) -> Option<[i16; 4]> {
        let head = table(font, b"head")?;
        Some([
            i16_at(head, 36)?,
            i16_at(head, 38)?,
            i16_at(head, 40)?,
            i16_at(head, 42)?,
        ])
    }

    /// The glyphs a composite glyph is built of.
    fn components(glyph: &[u8]) -> Option<Vec<u16>> {
        let mut out = Vec::new();
        if i16_at(glyph, 0).unwrap_or(0) >= 0 {
            return Some(out);
        }
        let mut at = 10;
        loop {
            let flags = u16_at(glyph, at)?;
            out.push(u16_at(glyph, at + 2)?);
            at += if flags & 0x0001 != 0 { 8 } else { 6 };
            at += if flags & 0x0008 != 0 {
                2
            } else if flags & 0x0040 != 0 {
                4
            } else if flags & 0x0080 != 0 {
                8
            } else {
                0
            };
            if flags & 0x0020 == 0 {
                return Some(out);
            }
        }
    }

    fn checksum(data: &[u8]) -> u32 {
        data.chunks(4).fold(0u32, |sum, chunk| {
            let mut word = [0u8; 4];
            word[..chunk.len()].copy_from_slice(chunk);
            sum.wrapping_add(u32::from_be_bytes(word))
        })
    }

    /// The font with only `keep` (and the glyphs they are built of, and
    /// glyph 0) drawn; `None` if the font is not a TrueType font it can
    /// read.
    pub(super) fn subset(font: &[u8], keep: impl IntoIterator<Item = u16>) -> Option<Vec<u8>> {
        let head = table(font, b"head")?;
        let loca = table(font, b"loca")?;
        let glyf = table(font, b"glyf")?;
        let glyph_count = usize::from(u16_at(table(font, b"maxp")?, 4)?);
        let long_offsets = i16_at(head, 50)? != 0;
        if head.len() < 54 {
            return None;
        }
        let offset = |g: usize| -> Option<usize> {
            if long_offsets {
                u32_at(loca, g * 4).map(|o| o as usize)
            } else {
                u16_at(loca, g * 2).map(|o| usize::from(o) * 2)
            }
        };
        let outline = |g: usize| -> Option<&[u8]> { glyf.get(offset(g)?..offset(g + 1)?) };

        let mut kept = BTreeSet::new();
        let mut todo: Vec<u16> = keep.into_iter().chain([0]).collect();
        while let Some(g) = todo.pop() {
            if usize::from(g) >= glyph_count || !kept.insert(g) {
                continue;
            }
            todo.extend(components(outline(usize::from(g))?)?);
        }

        let mut new_glyf = Vec::new();
        let mut new_loca = Vec::with_capacity((glyph_count + 1) * 4);
        for g in 0..glyph_count {
            new_loca.extend_from_slice(&u32::try_from(new_glyf.len()).ok()?.to_be_bytes());
            if kept.contains(&u16::try_from(g).ok()?) {
                new_glyf.extend_from_slice(outline(g)?);
                new_glyf.resize(new_glyf.len().next_multiple_of(4), 0);
            }
        }
        new_loca.extend_from_slice(&u32::try_from(new_glyf.len()).ok()?.to_be_bytes());
        let mut new_head = head.to_vec();
        new_head[8..12].copy_from_slice(&[0; 4]);
        new_head[50..52].copy_from_slice(&1i16.to_be_bytes());

        let mut tables: Vec<(&[u8; 4], Vec<u8>)> = Vec::new();
        for tag in KEPT {
            let data = match tag {
                b"glyf" => std::mem::take(&mut new_glyf),
                b"loca" => std::mem::take(&mut new_loca),
                b"head" => std::mem::take(&mut new_head),
                _ => match table(font, tag) {
                    Some(data) => data.to_vec(),
                    None if matches!(tag, b"cvt " | b"fpgm" | b"prep") => continue,
                    None => return None,
                },
            };
            tables.push((tag, data));
        }
        tables.sort_by_key(|(tag, _)| **tag);

        let count = u16::try_from(tables.len()).ok()?;
        let selector = 15 - count.leading_zeros() as u16;
        let range = 16u16 << selector;
        let mut out = Vec::new();
        out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
        for v in [count, range, selector, count * 16 - range] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        let mut offset = 12 + 16 * tables.len();
        let mut head_at = None;
        for (tag, data) in &tables {
            out.extend_from_slice(*tag);
            out.extend_from_slice(&checksum(data).to_be_bytes());
            out.extend_from_slice(&u32::try_from(offset).ok()?.to_be_bytes());
            out.extend_from_slice(&u32::try_from(data.len()).ok()?.to_be_bytes());
            if *tag == b"head" {
                head_at = Some(offset);
            }
            offset += data.len().next_multiple_of(4);
        }
        for (_, data) in &tables {
            out.extend_from_slice(data);
            out.resize(out.len().next_multiple_of(4), 0);
        }
        let adjustment = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        let at = head_at? + 8;
        out[at..at + 4].copy_from_slice(&adjustment.to_be_bytes());
        Some(out)
    }

    #[cfg(test)]
    mod tests {
        use ab_glyph::{Font, FontRef, GlyphId};

        use super::super::FONT;
        use super::*;

        #[test]
        fn a_subset_keeps_the_glyph_ids_and_only_the_outlines_asked_for() {
            let full = FontRef::try_from_slice(FONT).expect("the font");
            let [a, ya, zhe] = ['A', 'Я', 'ж'].map(|c| full.glyph_id(c).0);
            let subset = subset(FONT, [ya, zhe]).expect("a subset");
            assert!(subset.len() < FONT.len() / 5, "{} bytes", subset.len());
            let font = FontRef::try_from_slice(&subset).expect("the subset parses");
            assert!(font.outline(GlyphId(ya)).is_some());
            assert!(font.outline(GlyphId(zhe)).is_some());
            assert!(font.outline(GlyphId(a)).is_none());
            assert_eq!(
                font.h_advance_unscaled(GlyphId(zhe)),
                full.h_advance_unscaled(GlyphId(zhe))
            );
            assert_eq!(checksum(&subset), 0xB1B0_AFBA, "the whole-font checksum");
        }

        #[test]
        fn a_subset_keeps_the_parts_of_a_composite_glyph() {
            let full = FontRef::try_from_slice(FONT).expect("the font");
            // «Й» is a composite of «И» and a breve in DejaVu Sans.
            let short_i = full.glyph_id('Й').0;
            let subset = subset(FONT, [short_i]).expect("a subset");
            let font = FontRef::try_from_slice(&subset).expect("the subset parses");
            let outline = font.outline(GlyphId(short_i)).expect("an outline");
            let full_outline = full.outline(GlyphId(short_i)).expect("an outline");
            assert_eq!(outline.curves.len(), full_outline.curves.len());
            let base = full.glyph_id('И');
            assert!(font.outline(base).is_some(), "a component is kept");
        }

        #[test]
        fn garbage_is_not_a_font() {
            assert!(subset(b"not a font", [1, 2]).is_none());
            assert!(subset(&FONT[..1000], [1, 2]).is_none());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::time::Instant;

    use chrono::NaiveDate;

    use super::*;
    use crate::domain::audit::Audit;
    use crate::domain::checklist::Checklist;
    use crate::domain::plan::PlanItem;
    use crate::domain::report::{Score, SectionReport};
    use crate::export::chart::{section_chart, MAX_SECTIONS};
    use crate::export::fixtures::{answered_in_pattern, response, shipped};
    use crate::export::labels::tests::labels;

    /// Every question answered, in a repeating pattern of all kinds.
    fn answered(checklist: &Checklist) -> Audit {
        let kinds = [
            response(Answer::Yes, None),
            response(Answer::No, Some(Priority::High)),
            response(Answer::Yes, None),
            response(Answer::NotApplicable, None),
            response(Answer::No, Some(Priority::Low)),
            response(Answer::Yes, None),
            response(Answer::NotApplicable, Some(Priority::Medium)),
            response(Answer::No, Some(Priority::Medium)),
        ];
        answered_in_pattern(checklist, &kinds)
    }

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date")
    }

    fn plan() -> Vec<PlanItem> {
        vec![
            PlanItem {
                zone: "Клиентский сервис и поддержка".into(),
                priority: Priority::High,
                solution: "Ввести стандарт времени ответа: не дольше 2 часов в рабочее время; \
                           назначить дежурного по чатам."
                    .into(),
                owner: Some("Мария Соколова".into()),
                deadline: NaiveDate::from_ymd_opt(2026, 12, 15),
                done: false,
                blocker: None,
            },
            PlanItem {
                zone: "Онбординг и первое впечатление".into(),
                priority: Priority::Medium,
                solution: "Письмо-приветствие с первыми шагами".into(),
                owner: None,
                deadline: None,
                done: true,
                blocker: None,
            },
        ]
    }

    fn chart_labels() -> ChartLabels {
        ChartLabels {
            title: "Диаграмма баллов".into(),
            overall: "Общий балл".into(),
            no_data: "нет данных".into(),
        }
    }

    fn text_of(pdf: &[u8]) -> String {
        pdf_extract::extract_text_from_mem(pdf).expect("the PDF's text")
    }

    /// Text without line breaks and with single spaces, to look for phrases
    /// that wrapping split.
    fn flat(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn page_count(pdf: &[u8]) -> usize {
        pdf_extract::Document::load_mem(pdf)
            .expect("a PDF lopdf reads")
            .get_pages()
            .len()
    }

    #[test]
    fn the_looked_up_glyphs_are_the_fonts_own() {
        let face = Face::load().expect("the font");
        let beyond = ['\u{500}', '€', '№', '—', '😀', '中'];
        let mut lacked = 0;
        for c in (0..LOOKED_UP + 16).filter_map(char::from_u32).chain(beyond) {
            let glyph = face.font.glyph_id(c);
            let direct = (glyph.0 != 0).then(|| (glyph.0, face.font.h_advance_unscaled(glyph)));
            assert_eq!(face.glyph_and_advance(c), direct, "{c:?}");
            lacked += usize::from(direct.is_none());
        }
        assert!(face.glyph('Ж').is_some() && face.glyph('ї').is_some());
        assert!(face.glyph('中').is_none() && lacked > 0, "{lacked}");
    }

    /// The churn audit's report in Ukrainian and in English: the labels,
    /// the checklist's texts and the plan in that language, no Russian.
    #[test]
    fn the_report_speaks_the_users_language() {
        use crate::i18n::{Lang, Locale};
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("questions");
        let all = crate::domain::checklist::load_dir(&dir).expect("the checklists");
        let churn = all.iter().find(|c| c.id() == "churn_audit").expect("churn");
        for (lang, words) in [
            (
                Lang::Uk,
                ["Звіт про аудит", "Бали за розділами", "План дій", "Так"],
            ),
            (
                Lang::En,
                ["Audit report", "Scores by section", "Action plan", "Yes"],
            ),
        ] {
            let checklist = churn.get(lang);
            let audit = answered(checklist);
            let labels = ExportLabels::new(&Locale::new(lang).expect("the locale"));
            let section = &checklist.sections[1];
            let plan = vec![PlanItem {
                zone: section.title.clone(),
                priority: Priority::High,
                solution: section.questions[0].action.clone(),
                owner: Some("Olha".into()),
                deadline: Some(date()),
                done: false,
                blocker: None,
            }];
            let notes = HashMap::new();
            let input = ReportInput {
                checklist,
                audit: &audit,
                user_name: "Olha",
                date: date(),
                notes: &notes,
                plan: &plan,
                next_step: None,
            };
            let text = flat(&text_of(&report_pdf(&input, &labels, None).expect("a PDF")));
            for word in words
                .iter()
                .copied()
                .chain([checklist.title.as_str(), section.title.as_str()])
            {
                assert!(text.contains(&flat(word)), "{lang}: no «{word}»\n{text}");
            }
            for russian in ["Отчёт", "Вопрос", "Приоритет", "Раздел"] {
                assert!(!text.contains(russian), "{lang}: «{russian}»\n{text}");
            }
        }
    }

    /// A zone's proposed solution is every action of the zone, each whole
    /// on a «• » line of its own: nothing is cut.
    #[test]
    fn a_solution_of_many_actions_is_in_the_pdf_whole_one_per_line() {
        let checklist = shipped();
        let audit = answered(&checklist);
        let actions: Vec<String> = checklist.sections[1]
            .questions
            .iter()
            .map(|q| q.action.clone())
            .collect();
        let plan = vec![PlanItem {
            zone: checklist.sections[1].title.clone(),
            priority: Priority::High,
            solution: actions.join("\n"),
            owner: None,
            deadline: None,
            done: false,
            blocker: None,
        }];
        let notes = HashMap::new();
        let input = ReportInput {
            checklist: &checklist,
            audit: &audit,
            user_name: "Иван",
            date: date(),
            notes: &notes,
            plan: &plan,
            next_step: None,
        };
        let pdf = report_pdf(&input, &labels(), None).expect("a PDF");
        let text = flat(&text_of(&pdf));
        let plan_text = text
            .split(&labels().plan_heading)
            .last()
            .unwrap_or_default();
        let words: Vec<&str> = plan_text.split(' ').collect();
        // Each action's words in order after its bullet; a row that runs
        // onto the next page has the page's footer and header in between.
        let mut at = 0;
        for action in &actions {
            let bullet = words[at..]
                .iter()
                .position(|w| *w == "\u{2022}")
                .unwrap_or_else(|| panic!("no bullet for {action}\n{plan_text}"));
            at += bullet + 1;
            let mut skipped = 0;
            for word in action.split_whitespace() {
                while words.get(at) != Some(&word) {
                    at += 1;
                    skipped += 1;
                    assert!(
                        skipped < 40 && at < words.len(),
                        "«{word}» of «{action}» is missing\n{plan_text}"
                    );
                }
                at += 1;
            }
        }
    }

    #[test]
    fn what_blocks_a_plan_item_is_in_the_pdf_after_its_solution() {
        let checklist = shipped();
        let audit = answered(&checklist);
        let plan = vec![PlanItem {
            zone: checklist.sections[2].title.clone(),
            priority: Priority::Medium,
            solution: "Позвонить новым клиентам".into(),
            owner: Some("Ольга".into()),
            deadline: None,
            done: false,
            blocker: Some("Нет бюджета на рассылку".into()),
        }];
        let notes = HashMap::new();
        let input = ReportInput {
            checklist: &checklist,
            audit: &audit,
            user_name: "Иван",
            date: date(),
            notes: &notes,
            plan: &plan,
            next_step: None,
        };
        let pdf = report_pdf(&input, &labels(), None).expect("a PDF");
        let text = flat(&text_of(&pdf));
        let plan_text = text
            .split(&labels().plan_heading)
            .last()
            .unwrap_or_default();
        let solution = plan_text.find("Позвонить новым клиентам");
        let blocker = plan_text.find("Мешает: Нет бюджета на рассылку");
        assert!(
            solution.is_some() && blocker > solution,
            "the blocker after the solution:\n{plan_text}"
        );
    }

    #[test]
    fn the_pdf_is_valid_and_its_text_has_the_report() {
        let checklist = shipped();
        let audit = answered(&checklist);
        let q = |s: usize, i: usize| checklist.sections[s].questions[i].clone();
        let notes = HashMap::from([(q(0, 1).id, "Проверить жалобы за октябрь".to_string())]);
        let plan = plan();
        let input = ReportInput {
            checklist: &checklist,
            audit: &audit,
            user_name: "Иван Петров",
            date: date(),
            notes: &notes,
            plan: &plan,
            next_step: None,
        };
        let pdf = report_pdf(&input, &labels(), Some(&chart_labels())).expect("a PDF");
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() < 400_000, "{} bytes", pdf.len());
        let text = flat(&text_of(&pdf));
        for needle in [
            "Отчёт об аудите",
            "Иван Петров",
            "23.11.2026",
            "Общий балл",
            &checklist.sections[0].title,
            &checklist.sections[5].title,
            &q(0, 0).text,
            &q(2, 3).text,
            &q(5, 0).text,
            "Проверить жалобы за октябрь",
            // A «Нет» with a priority: its recommended action is listed.
            &q(0, 1).action,
            "План действий",
            "Мария Соколова",
            "15.12.2026",
            "назначить дежурного по чатам",
            "не назначен",
            "Страница 1 /",
        ] {
            assert!(text.contains(&flat(needle)), "{needle:?} not in the text");
        }
    }

    #[test]
    fn the_chart_is_drawn_on_the_page_as_bars_and_text() {
        let checklist = shipped();
        let audit = answered(&checklist);
        let report = Report::new(&checklist, &audit);
        let notes = HashMap::new();
        let input = ReportInput {
            checklist: &checklist,
            audit: &audit,
            user_name: "Иван",
            date: date(),
            notes: &notes,
            plan: &[],
            next_step: None,
        };
        let with = report_pdf(&input, &labels(), Some(&chart_labels())).expect("a PDF");
        let without = report_pdf(&input, &labels(), None).expect("a PDF");
        // No picture: the chart is paths and text, in the report's words.
        let images = |pdf: &[u8]| {
            let doc = pdf_extract::Document::load_mem(pdf).expect("a PDF");
            doc.objects
                .values()
                .filter(|o| {
                    o.as_stream().is_ok_and(|s| {
                        s.dict
                            .get(b"Subtype")
                            .and_then(|v| v.as_name())
                            .is_ok_and(|n| n == b"Image")
                    })
                })
                .count()
        };
        assert_eq!((images(&with), images(&without)), (0, 0));
        let (text_with, text_without) = (flat(&text_of(&with)), flat(&text_of(&without)));
        for needle in ["Диаграмма баллов", "0 %", "25 %", "75 %", "100 %"] {
            assert!(text_with.contains(needle), "{needle:?} not in the chart");
        }
        assert!(!text_without.contains("Диаграмма баллов"));
        assert!(text_without.contains("План действий пока не составлен"));

        // Each section's bar: a fill of its band's colour, as long against
        // the others as its score is.
        let face = Face::load().expect("the font");
        let mut layout = Layout::new(&face);
        lay_out(
            &mut layout,
            &input,
            &labels(),
            &report,
            Some(&chart_labels()),
        );
        let bar_colours: Vec<Rgb> = [10, 60, 90].map(|p| rgb(chart::bar_colour(p))).to_vec();
        let bars: Vec<f32> = layout
            .pages
            .iter()
            .flatten()
            .filter_map(|op| match op {
                Op::Fill { w, colour, .. } if bar_colours.contains(colour) => Some(*w),
                _ => None,
            })
            .collect();
        let percents: Vec<u32> = std::iter::once(report.overall)
            .chain(report.sections.iter().map(|s| s.score))
            .filter_map(|s| s.percent())
            .collect();
        assert_eq!(bars.len(), percents.len(), "one bar a score: {bars:?}");
        assert!(percents.iter().any(|&p| p != percents[0]), "{percents:?}");
        let per_percent = bars[0] / percents[0].max(1) as f32;
        for (w, p) in bars.iter().zip(&percents) {
            if *p > 2 {
                let expected = per_percent * *p as f32;
                assert!((w - expected).abs() <= per_percent, "{w} for {p} %");
            }
        }
        // Its percent labels, in the section's colour band or not, are there.
        for p in &percents {
            assert!(
                text_with.contains(&format!("{p} %")),
                "{p} % not in the chart"
            );
        }
    }

    #[test]
    fn a_chart_of_many_sections_is_kept_to_one_page_and_one_of_too_many_is_left_out() {
        let face = Face::load().expect("the font");
        let section = |i: usize| SectionReport {
            title: format!("Раздел {i}"),
            score: Score {
                yes: i % 5,
                applicable: 4,
            },
            answered: 4,
            total: 4,
            weight: 0,
        };
        let report = |n: usize| Report {
            answered: 0,
            total: 0,
            overall: Score {
                yes: 1,
                applicable: 2,
            },
            sections: (0..n).map(section).collect(),
            problems: Vec::new(),
            top_zones: Vec::new(),
            strengths: Vec::new(),
        };
        let texts = |layout: &Layout| -> Vec<String> {
            layout
                .pages
                .iter()
                .flatten()
                .filter_map(|op| match op {
                    Op::Text { text, .. } => Some(text.clone()),
                    _ => None,
                })
                .collect()
        };

        // 40 sections: a chart taller than a page, drawn smaller on one.
        let mut layout = Layout::new(&face);
        layout.paragraph("Перед диаграммой", BODY);
        layout.chart(&report(MAX_SECTIONS), &chart_labels());
        assert_eq!(layout.pages.len(), 2, "the chart on a page of its own");
        let chart_page = &layout.pages[1];
        assert!(chart_page.iter().any(
            |op| matches!(op, Op::Text { text, .. } if text == &format!("Раздел {}", MAX_SECTIONS - 1))
        ));
        for op in chart_page {
            match op {
                Op::Fill { x, top, w, h, .. } => {
                    assert!(*top >= MARGIN_TOP - 0.01 && top + h <= CONTENT_BOTTOM + 0.01);
                    assert!(*x >= MARGIN_X - 0.01 && x + w <= MARGIN_X + CONTENT_W + 0.01);
                }
                Op::Text { baseline, .. } => assert!(*baseline <= CONTENT_BOTTOM),
                Op::Rule { .. } => {}
            }
        }

        // One more: no chart at all, and nothing else lost.
        let mut layout = Layout::new(&face);
        layout.paragraph("Перед диаграммой", BODY);
        layout.chart(&report(MAX_SECTIONS + 1), &chart_labels());
        assert_eq!(texts(&layout), vec!["Перед диаграммой".to_string()]);
        assert_eq!(layout.pages.len(), 1);
    }

    /// The shipped checklist with a 1,000-character action, a question with
    /// a 400-letter word, a long note to every question, and a 20-item plan.
    fn long_case() -> (Checklist, HashMap<String, String>, Vec<PlanItem>) {
        let mut checklist = shipped();
        let long_action = "Очень длинное действие, которое надо выполнить по шагам. ".repeat(18);
        assert!(long_action.chars().count() > 1000);
        checklist.sections[0].questions[1].action = long_action.clone();
        checklist.sections[1].questions[0].text =
            format!("Очень длинный вопрос без пробелов: {}", "Ж".repeat(400));
        let notes: HashMap<String, String> = checklist
            .questions()
            .map(|(_, q)| {
                (
                    q.id.clone(),
                    format!("Заметка к {}: {}", q.id, "слово ".repeat(60)),
                )
            })
            .collect();
        let plan: Vec<PlanItem> = (1..=20)
            .map(|i| PlanItem {
                zone: format!("Зона {i}"),
                priority: Priority::DESCENDING[i % 3],
                solution: if i == 7 {
                    long_action.clone()
                } else {
                    format!("Решение {i}: сделать то, что нужно, и проверить результат")
                },
                owner: Some(format!("Ответственный {i}")),
                deadline: NaiveDate::from_ymd_opt(2027, 1, i as u32),
                done: i % 2 == 0,
                blocker: None,
            })
            .collect();
        (checklist, notes, plan)
    }

    #[test]
    fn long_texts_and_a_long_plan_run_onto_more_pages() {
        let (checklist, notes, plan) = long_case();
        let audit = answered(&checklist);
        let input = ReportInput {
            checklist: &checklist,
            audit: &audit,
            user_name: "Очень-очень длинное имя пользователя 漢字 с иероглифами",
            date: date(),
            notes: &notes,
            plan: &plan,
            next_step: None,
        };
        let pdf = report_pdf(&input, &labels(), Some(&chart_labels())).expect("a PDF");
        let pages = page_count(&pdf);
        assert!(pages >= 8, "{pages} pages");
        let text = flat(&text_of(&pdf));
        assert!(text.contains(&format!("Страница {pages} / {pages}")));
        assert!(text.contains("Ответственный 20"));
        assert!(text.contains("01.01.2027") && text.contains("20.01.2027"));
        assert!(
            !text.contains('漢'),
            "a character the font lacks is left out"
        );
    }

    #[test]
    fn no_text_runs_off_the_page() {
        let mut checklist = shipped();
        checklist.sections[1].title = "Очень длинное название раздела ".repeat(12);
        checklist.sections[0].questions[0].text = "Ы".repeat(3000);
        checklist.sections[0].questions[1].action = "длинное слово ".repeat(700);
        let audit = answered(&checklist);
        let notes = HashMap::from([(
            checklist.sections[0].questions[2].id.clone(),
            "Щ".repeat(5000),
        )]);
        let plan = plan();
        let input = ReportInput {
            checklist: &checklist,
            audit: &audit,
            user_name: &"Имя".repeat(100),
            date: date(),
            notes: &notes,
            plan: &plan,
            next_step: None,
        };
        let face = Face::load().expect("the font");
        let report = Report::new(&checklist, &audit);
        let mut layout = Layout::new(&face);
        lay_out(
            &mut layout,
            &input,
            &labels(),
            &report,
            Some(&chart_labels()),
        );
        layout.footers(&input, &labels());
        assert!(layout.pages.len() > 3);
        for op in layout.pages.iter().flatten() {
            match op {
                Op::Text {
                    x,
                    baseline,
                    style,
                    text,
                } => {
                    let right = x + face.width(text, style.size);
                    assert!(
                        *x >= MARGIN_X - 0.01 && right <= MARGIN_X + CONTENT_W + 0.01,
                        "{text:?} from {x} to {right}"
                    );
                    assert!(
                        *baseline > MARGIN_TOP && *baseline <= PAGE_H - 20.0,
                        "{text:?} at {baseline}"
                    );
                    if *baseline < FOOTER_BASELINE - 1.0 {
                        assert!(*baseline <= CONTENT_BOTTOM, "{text:?} at {baseline}");
                    }
                }
                Op::Fill { top, h, .. } => {
                    assert!(*top >= MARGIN_TOP - 0.01 && top + h <= CONTENT_BOTTOM + 0.01);
                }
                Op::Rule { .. } => {}
            }
        }
        report_pdf(&input, &labels(), None).expect("a PDF");
    }

    #[test]
    fn an_unfinished_audit_says_so() {
        let checklist = shipped();
        let audit = Audit::new(&checklist);
        let notes = HashMap::new();
        let input = ReportInput {
            checklist: &checklist,
            audit: &audit,
            user_name: "Иван",
            date: date(),
            notes: &notes,
            plan: &[],
            next_step: None,
        };
        let text = flat(&text_of(
            &report_pdf(&input, &labels(), None).expect("a PDF"),
        ));
        assert!(text.contains("Аудит не завершён"));
        assert!(text.contains("0 / 39"));
        assert!(text.contains("нет ответа"));
        assert!(text.contains("нет данных"));
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_inside_long_words() {
        let face = Face::load().expect("the font");
        let lines = face.wrap(
            "один два три\nчетыре",
            10.0,
            face.width("один два", 10.0) + 0.1,
        );
        assert_eq!(lines, ["один два", "три", "четыре"]);
        let lines = face.wrap(&"Ж".repeat(50), 10.0, 50.0);
        assert!(lines.len() > 5);
        assert!(lines.iter().all(|l| face.width(l, 10.0) <= 50.0));
        assert_eq!(lines.concat(), "Ж".repeat(50));
        assert_eq!(face.wrap("", 10.0, 50.0), [""]);
        assert_eq!(face.wrap("a 漢 b", 10.0, 500.0), ["a b"]);
    }

    /// Writes a sample report to /tmp/report.pdf to look at (`pdftoppm -png
    /// -r 60 /tmp/report.pdf /tmp/report`), and prints how long one takes.
    #[test]
    #[ignore = "writes /tmp/report.pdf"]
    fn sample_report() {
        let checklist = shipped();
        let audit = answered(&checklist);
        let notes = HashMap::from([
            (
                checklist.sections[0].questions[1].id.clone(),
                "Проверить жалобы за октябрь; поговорить с администратором".to_string(),
            ),
            (
                checklist.sections[2].questions[0].id.clone(),
                "Есть только устная инструкция".to_string(),
            ),
        ]);
        let plan = plan();
        let input = ReportInput {
            checklist: &checklist,
            audit: &audit,
            user_name: "Иван Петров",
            date: date(),
            notes: &notes,
            plan: &plan,
            next_step: None,
        };
        let labels = labels();
        let chart = chart_labels();
        let started = Instant::now();
        let pdf = report_pdf(&input, &labels, Some(&chart)).expect("a PDF");
        let elapsed = started.elapsed();
        let runs = 20;
        let started = Instant::now();
        for _ in 0..runs {
            report_pdf(&input, &labels, Some(&chart)).expect("a PDF");
        }
        let per_pdf = started.elapsed() / runs;
        let report = Report::new(&checklist, &audit);
        let started = Instant::now();
        let mut png = Vec::new();
        for _ in 0..runs {
            png = section_chart(&report, &chart).expect("a chart");
        }
        let per_chart = started.elapsed() / runs;
        let started = Instant::now();
        for _ in 0..runs {
            super::super::report_csv(&input, &labels).expect("a CSV");
        }
        let per_csv = started.elapsed() / runs;
        println!(
            "first {elapsed:?}, then {per_pdf:?} a PDF of {} bytes, {} pages; \
             {per_chart:?} a chart PNG of {} bytes; {per_csv:?} a CSV",
            pdf.len(),
            page_count(&pdf),
            png.len()
        );
        std::fs::write("/tmp/report.pdf", &pdf).expect("written");
        std::fs::write(
            "/tmp/report.csv",
            super::super::report_csv(&input, &labels).expect("a CSV"),
        )
        .expect("written");

        let (checklist, notes, plan) = long_case();
        let audit = answered(&checklist);
        let input = ReportInput {
            checklist: &checklist,
            audit: &audit,
            user_name: "Иван Петров",
            date: date(),
            notes: &notes,
            plan: &plan,
            next_step: None,
        };
        let pdf = report_pdf(&input, &labels, Some(&chart_labels())).expect("a PDF");
        std::fs::write("/tmp/report-long.pdf", &pdf).expect("written");
    }
}
