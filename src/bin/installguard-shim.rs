//! `installguard-shim`: what the shim links (`pip`, `npm`, `brew`, ...) point to. Hands
//! commands that install nothing straight to the real tool and everything else to
//! `installguard run`; see `installguard::shim::light_main`.

fn main() {
    std::process::exit(installguard::shim::light_main());
}
