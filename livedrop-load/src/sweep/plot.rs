//! The sweep's plot: one PNG, orders on the left and reads on the right, throughput above
//! and p99 latency below, each against connections (log scale), LiveDrop beside the bare
//! axum app measured in the same run.
//!
//! Text needs a font: a TrueType file given with `--font`, else the first of the usual
//! system places that exists (Debian's `fonts-dejavu-core` or `fonts-liberation`).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::combinators::{BindKeyPoints, IntoLogRange};
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::{Sweep, SweepMode, SweepPoint};
use crate::Error;

/// The picture's size, px.
const SIZE: (u32, u32) = (1400, 900);
/// Where a TrueType sans-serif font usually is, in order of preference.
const SYSTEM_FONTS: [&str; 3] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
];
/// The family name the plot's text asks for.
const FAMILY: &str = "sans-serif";

const SERVER: RGBColor = RGBColor(0, 92, 175);
const BARE: RGBColor = RGBColor(150, 150, 150);

/// Draws `sweep` to `png`, with the font at `font` (or a system one).
///
/// # Errors
/// No usable font, or the file cannot be written. A mode the sweep did not run leaves
/// its two panels empty.
pub fn draw(sweep: &Sweep, png: &Path, font: Option<&Path>) -> Result<(), Error> {
    load_font(font)?;
    let root = BitMapBackend::new(png, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let title = format!(
        "LiveDrop{} over HTTP against bare axum, same client, same run ({} s a point)",
        sweep
            .label
            .as_ref()
            .map_or_else(String::new, |label| format!(" ({label})")),
        sweep.seconds
    );
    let root = root.titled(&title, (FAMILY, 24))?;
    let panels = root.split_evenly((2, 2));
    for (column, mode) in [SweepMode::Orders, SweepMode::Reads]
        .into_iter()
        .enumerate()
    {
        let route = mode.route();
        let points = sweep.of(mode);
        if points.is_empty() {
            continue;
        }
        let throughput: Vec<Line> = vec![
            line("LiveDrop", SERVER, &points, |p| Some(p.ok_per_second)),
            line("bare axum", BARE, &points, |p| {
                Some(p.baseline_ok_per_second)
            }),
        ];
        let p99: Vec<Line> = vec![
            line("LiveDrop", SERVER, &points, |p| p.p99_ms),
            line("bare axum", BARE, &points, |p| p.baseline_p99_ms),
        ];
        // Throughput runs level, leaving the headroom above it free for the legend; p99
        // climbs to the right, leaving the upper left free.
        panel(
            &panels[column],
            &format!("{route}: successful answers/s"),
            "answers/s",
            &throughput,
            SeriesLabelPosition::UpperRight,
        )?;
        panel(
            &panels[2 + column],
            &format!("{route}: p99 latency"),
            "p99, ms",
            &p99,
            SeriesLabelPosition::UpperLeft,
        )?;
    }
    root.present()?;
    Ok(())
}

/// One series: its name, colour and (connections, value) points.
struct Line {
    name: &'static str,
    color: RGBColor,
    points: Vec<(f64, f64)>,
}

fn line(
    name: &'static str,
    color: RGBColor,
    points: &[&SweepPoint],
    value: impl Fn(&SweepPoint) -> Option<f64>,
) -> Line {
    Line {
        name,
        color,
        points: points
            .iter()
            .filter_map(|p| value(p).map(|v| (p.connections as f64, v)))
            .collect(),
    }
}

/// One chart: `lines` against connections on a log axis, from 0 up.
fn panel(
    area: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    caption: &str,
    y_label: &str,
    lines: &[Line],
    legend: SeriesLabelPosition,
) -> Result<(), Error> {
    let xs = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
    let (low, high) = xs.fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let top = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .fold(0.0_f64, f64::max)
        * 1.4;
    let (low, high) = if low < high {
        (low / 1.3, high * 1.3)
    } else {
        (1.0, 1024.0)
    };
    // Ticks at the connection counts swept, not at the log axis's own round numbers.
    let mut ticks: Vec<f64> = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0))
        .collect();
    ticks.sort_by(f64::total_cmp);
    ticks.dedup();
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FAMILY, 18))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(
            (low..high).log_scale().with_key_points(ticks),
            0.0..top.max(1.0),
        )?;
    chart
        .configure_mesh()
        .x_desc("connections (log scale)")
        .y_desc(y_label)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .light_line_style(WHITE)
        .label_style((FAMILY, 14))
        .draw()?;
    for series in lines {
        let color = series.color;
        chart
            .draw_series(LineSeries::new(
                series.points.clone(),
                color.stroke_width(3),
            ))?
            .label(series.name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
            });
        chart.draw_series(
            series
                .points
                .iter()
                .map(|&point| Circle::new(point, 5, color.filled())),
        )?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font((FAMILY, 14))
        .position(legend)
        .draw()?;
    Ok(())
}

/// Registers the font once per process (plotters keeps it for the process's life).
fn load_font(path: Option<&Path>) -> Result<(), Error> {
    static LOADED: OnceLock<Result<(), String>> = OnceLock::new();
    LOADED
        .get_or_init(|| {
            let path = match path {
                Some(path) => path.to_path_buf(),
                None => SYSTEM_FONTS
                    .iter()
                    .map(PathBuf::from)
                    .find(|path| path.exists())
                    .ok_or_else(|| {
                        format!(
                            "no font for the plot's text: pass --font FILE.ttf (looked in {})",
                            SYSTEM_FONTS.join(", ")
                        )
                    })?,
            };
            let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            // plotters keeps registered fonts for the life of the process.
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            plotters::style::register_font(FAMILY, FontStyle::Normal, bytes)
                .map_err(|_| format!("{}: not a TrueType font", path.display()))
        })
        .clone()
        .map_err(Into::into)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(mode: SweepMode, connections: usize, ok: f64, p99: f64) -> SweepPoint {
        SweepPoint {
            mode,
            connections,
            ok_per_second: ok,
            p99_ms: Some(p99),
            baseline_ok_per_second: ok * 2.0,
            baseline_p99_ms: Some(p99 / 2.0),
            server_cpu_us: Some(10.0),
            pipeline_drained_after_ms: None,
            passed: true,
        }
    }

    #[test]
    fn a_sweep_is_drawn_as_a_png_of_the_set_size() {
        let sweep = Sweep {
            base_url: "http://127.0.0.1:8080".to_owned(),
            label: Some("memory".to_owned()),
            seconds: 5.0,
            points: [16, 64, 256]
                .into_iter()
                .flat_map(|n| {
                    let n_f = n as f64;
                    [
                        point(SweepMode::Orders, n, 100.0 * n_f, n_f / 10.0),
                        point(SweepMode::Reads, n, 300.0 * n_f, n_f / 20.0),
                    ]
                })
                .collect(),
        };
        let png = scratch("sweep.png");
        draw(&sweep, &png, None).unwrap();
        let bytes = std::fs::read(&png).unwrap();
        std::fs::remove_file(&png).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        // The IHDR chunk: width and height, big-endian, right after its length and type.
        let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
        let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
        assert_eq!((width, height), SIZE);
        // Lines, text and marks compress far worse than a blank page.
        assert!(bytes.len() > 20_000, "only {} bytes", bytes.len());
    }

    #[test]
    fn a_font_that_is_not_one_is_refused() {
        let fake = scratch("fake.ttf");
        std::fs::write(&fake, b"not a font").unwrap();
        // The font is loaded once per process, and nextest runs each test in a process
        // of its own: this is the first load here.
        let error = load_font(Some(&fake)).unwrap_err();
        std::fs::remove_file(&fake).unwrap();
        assert!(error.to_string().contains("not a TrueType font"), "{error}");
    }

    /// A path of its own in the temporary directory.
    fn scratch(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("{}-{name}", uuid::Uuid::new_v4().simple()))
    }
}
