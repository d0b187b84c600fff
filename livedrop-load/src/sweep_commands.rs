//! The `sweep` and `plot` commands: run a sweep, print and save it, draw it.

use std::path::PathBuf;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressDrawTarget};

use crate::http_args::{PlotArgs, SweepArgs};

/// Runs the sweep, prints its table, writes `--json` and draws `--png`. Exit status: 0
/// every point passed its checks, 1 one did not, 2 the sweep or its outputs failed.
pub async fn sweep(args: &SweepArgs) -> ExitCode {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let swept = livedrop_load::sweep::run(&args.config(), &bar).await;
    bar.finish_and_clear();
    let sweep = match swept {
        Ok(sweep) => sweep,
        Err(error) => {
            eprintln!("sweep: {error}");
            return ExitCode::from(2);
        }
    };
    println!("{sweep}");
    let (json, png, font) = args.outputs();
    if let Some(path) = json {
        let written = serde_json::to_vec_pretty(&sweep)
            .map_err(|e| e.to_string())
            .and_then(|bytes| std::fs::write(path, bytes).map_err(|e| e.to_string()));
        if let Err(error) = written {
            eprintln!("sweep: cannot write {}: {error}", path.display());
            return ExitCode::from(2);
        }
    }
    if let Some(png) = png
        && let Err(error) =
            livedrop_load::sweep::plot::draw(&sweep, png, font.map(PathBuf::as_path))
    {
        eprintln!("sweep: cannot draw {}: {error}", png.display());
        return ExitCode::from(2);
    }
    if sweep.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Draws a saved sweep. Exit status 2 when the file cannot be read or drawn.
pub fn plot(args: &PlotArgs) -> ExitCode {
    let sweep = std::fs::read(&args.from)
        .map_err(|e| e.to_string())
        .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string()));
    let drawn = sweep.and_then(|sweep| {
        livedrop_load::sweep::plot::draw(&sweep, &args.png, args.font.as_deref())
            .map_err(|e| e.to_string())
    });
    match drawn {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("plot: {}: {error}", args.from.display());
            ExitCode::from(2)
        }
    }
}
