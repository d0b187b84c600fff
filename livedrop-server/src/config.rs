//! Configuration: command-line flags, each with a `LIVEDROP_*` environment variable.
//!
//! With nothing set the server listens on `127.0.0.1:8080` and runs on the in-memory
//! backends.

use std::net::SocketAddr;

use clap::Parser;

/// The server's configuration. Flags win over environment variables, which win over the
/// defaults.
#[derive(Clone, Debug, PartialEq, Eq, Parser)]
#[command(name = "livedrop-server", version, about = "LiveDrop REST server")]
#[non_exhaustive]
pub struct Config {
    /// Address to listen on (`HOST:PORT`; port 0 picks a free one).
    #[arg(long, env = "LIVEDROP_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Config::command().debug_assert();
    }

    #[test]
    fn listen_flag_parses_an_address() {
        let config =
            Config::try_parse_from(["livedrop-server", "--listen", "0.0.0.0:9000"]).unwrap();
        assert_eq!(config.listen, "0.0.0.0:9000".parse().unwrap());
        assert!(Config::try_parse_from(["livedrop-server", "--listen", "nowhere"]).is_err());
    }
}
