use std::path::PathBuf;

use super::*;
use crate::cmdline::cases::{argv, check_results, render};
use crate::cmdline::testworld::MemWorld;
use proptest::prelude::*;

/// Files every case can see (cwd is /project).
fn world() -> MemWorld {
    MemWorld::new()
        .file("req.txt", "requests>=1\nflask  # web\n")
        .file("r2.txt", "six==1.16.0\n")
        .file("cont.txt", "-e ./proj\n-r \\\n   r2.txt\n\\\nattrs \\\n  ==23.1\nfoo-bar[x,y]>=2,<3 ; python_version > '3'\n")
        .file("idx.txt", "-i https://corp/simple\n--extra-index-url https://extra/simple\n-f ./wheels\n--index https://abbr/simple\nclick\n")
        .file("opts.txt", "--no-binary :all:\n--only-binary=:none:\n--pre\n--prefer-binary\n--require-hashes\n--trusted-host h\n--use-feature fast-deps\nnumpy --hash=sha256:abc -C k=v\npandas --config-settings=a=b\n")
        .file("bad.txt", "requests\nbar#x\n")
        .file("badopt.txt", "flask\n--target /tmp\n")
        .file("self.txt", "a\n-r self.txt\n")
        .file("loop1.txt", "-r loop2.txt\n")
        .file("loop2.txt", "-r ./loop1.txt\n")
        .file("sub/base.txt", "-r common.txt\nx1\n")
        .file("sub/common.txt", "common\n-e ./proj\n")
        .file("env.txt", "${PKG}==${VER}\n$PKG\n${lower}x\n")
        .file("cons.txt", "-r inner.txt\nsix<2\n")
        .file("inner.txt", "inner-pkg\n")
        .file("withc.txt", "-c cons.txt\nouter\n")
        .file("remote.txt", "-r https://example.com/more.txt\nlocal-pkg\n")
        .file("lineopts.txt", "foo -r r2.txt\n-r r2.txt -i https://ignored/\n")
        .file("reqline.txt", "https://x.org/pkg-1.0-py3-none-any.whl ; python_version>'3'\nname @ git+https://g/r.git\n./proj\n")
        .file("quote.txt", "--index-url 'https://q/simple\n")
        .file("tabs.txt", "foo\t--hash=sha256:x\n")
        .file("comment.txt", "# only a comment \\\nnext\npkg#egg=x\n")
        .file("unterminated.txt", "a \\\nb\\\n")
        .file("latin.txt", "# -*- coding: latin-1 -*-\nlatinpkg\n")
        .file("ambig.txt", "--e x\n")
        .file("flageq.txt", "--pre=1\n")
        .file("fl.txt", "-f wheels\n-f https://links/\n")
        .file("sub/wheels/.keep", "")
        .file("sub/fl.txt", "-f wheels\n")
        .file("noidx.txt", "--no-index\nlocalpkg\n")
        .file("empty.txt", "")
        .file("proj/pyproject.toml", "")
        .file("pyproject.toml", "[dependency-groups]\ndev = [\"pytest\",\n  \"ruff==0.5\"]\n")
        .file("sub/pyproject.toml", "[dependency-groups]\ntest = [\"hypothesis\"]\n")
        .file("tool.py", "#!/usr/bin/env python3\n# /// script\n# dependencies = [\n#   \"rich\",\n# ]\n# ///\nprint(1)\n")
        .file("legacy/setup.py", "")
        .file("lib-2.0.tar.gz", "")
        .file("cfg/pip.conf", "[global]\nindex-url = https://cfg/simple\nextra-index-url =\n    https://e1/simple\n    https://e2/simple\n\n[install]\nrequirement = r2.txt\n")
        .file("cfg/dl.conf", "[download]\nfind-links = https://dl/links\n[install]\neditable = ./proj\n")
        .file("cfg/bad.conf", "[global]\nindex-url https//x\n")
        .file("cfg/nosect.conf", "index-url = https://x\n")
        .file("cfg/dup2.conf", "[global]\nindex-url = a\nINDEX-URL = b\n")
        .file("cfg/dup.conf", "[global]\nindex-url = a\nindex_url = b\n")
        .file("xdg/pip/pip.conf", "[global]\nfind-links = https://xdg-home/links\n")
        .file("xdgdirs/pip/pip.conf", "[global]\nindex-url = https://xdg-global/simple\n")
        .file("venv/pip.conf", "[install]\nextra-index-url = https://venv/simple\n")
        .dir("proj")
        .dir("legacy")
        .dir("notproj")
        .dir("sub/wheels")
        .dir("wheels")
}

fn with_bytes(mut w: MemWorld, path: &str, bytes: Vec<u8>) -> MemWorld {
    w.files.insert(PathBuf::from("/project").join(path), bytes);
    w
}

/// Every case `(env K=V;K2=V2, argv after pip, expected)` on the world `make` builds.
fn check(cases: &[(&str, &str, &str)], make: impl Fn() -> MemWorld) {
    check_results(cases.iter().map(|(env, line, want)| {
        let mut w = make();
        for kv in env.split(';').filter(|s| !s.is_empty()) {
            let (k, v) = kv.split_once('=').unwrap();
            w = w.env(k, v);
        }
        (format!("[{env}] pip {line}"), *want, parse(&argv(line), &w))
    }));
}

/// (env `K=V;K2=V2`, argv after `pip`, expected outcome in the `cmdline::cases` notation).
/// Checked against pip 23.2.1's own parser unless marked "26.x".
#[rustfmt::skip]
const CASES: &[(&str, &str, &str)] = &[
    // Commands and pass-through.
    ("", "", "PASS"),
    ("", "list", "PASS"),
    ("", "uninstall flask", "PASS"),
    ("", "freeze", "PASS"),
    ("", "help install", "PASS"),
    ("", "instal flask", "PASS"),
    ("", "i flask", "PASS"),
    ("", "-h", "PASS"),
    ("", "--help install flask", "PASS"),
    ("", "-V", "PASS"),
    ("", "--version", "PASS"),
    ("", "--vers", "PASS"),
    ("", "install -h flask", "PASS"),
    ("", "install flask --help", "PASS"),
    ("", "install -qh flask", "PASS"),
    ("", "install --he flask", "PASS"),
    ("", "config set global.index-url https://x", "PASS"),
    ("", "-", "PASS"),
    ("", "install", "(none)"),
    ("", "install flask", "flask"),
    ("", "download flask -d out", "flask"),
    ("", "wheel flask -w out", "flask"),
    ("", "lock flask -o pylock.toml", "flask"),
    // The command word is the first positional; general options before it.
    ("", "--log install install flask", "flask"),
    ("", "-v --isolated install flask", "flask"),
    ("", "--python /usr/bin/python3 install flask", "flask"),
    ("", "--proxy http://p:8080 install flask", "flask"),
    ("", "--index-url https://x install flask", "!usage: pip: no such option: --index-url"),
    ("", "-r req.txt install", "!usage: pip: no such option: -r"),
    ("", "--bogus install flask", "!usage: pip: no such option: --bogus"),
    ("", "-- install flask", "flask"),
    // -V after the command is not the main parser's: pip 23.2.1 still installs.
    ("", "install -V flask", "flask"),
    // Value options: all four spellings.
    ("", "install --target lib flask", "flask"),
    ("", "install --target=lib flask", "flask"),
    ("", "install -t lib flask", "flask"),
    ("", "install -tlib flask", "flask"),
    ("", "install --prefix /opt flask --root / --src src", "flask"),
    ("", "install --log install flask", "flask"),
    ("", "install --report report.json --dry-run flask", "flask"),
    ("", "install --cache-dir cache --cert ca.pem --client-cert c.pem flask", "flask"),
    ("", "install --platform linux --python-version 3.11 --implementation cp --abi cp311 --only-binary=:all: --target t flask", "flask"),
    ("", "install --upgrade-strategy eager -U flask", "flask"),
    ("", "install --progress-bar off --root-user-action ignore --exists-action w flask", "flask"),
    ("", "install --keyring-provider disabled --retries 3 --timeout 5 --resume-retries 2 flask", "flask"),
    ("", "install --use-feature fast-deps --use-deprecated legacy-certs flask", "flask"),
    ("", "install -C --build-option=--x flask", "flask"),
    ("", "install --config-settings k=v flask", "flask"),
    ("", "install --build-constraint bc.txt flask", "flask"),
    ("", "install --uploaded-prior-to P3D flask", "flask"),
    ("", "install --all-releases flask --only-final six requests", "requests"),
    ("", "install --refresh-package flask six", "six"),
    ("", "install --refresh-package -r req.txt", "!usage: pip install: --refresh-package value must not start*"),
    ("", "install --no-binary requests flask", "flask"),
    ("", "install --no-binary=:all: flask", "flask"),
    ("", "install --only-binary flask,six requests", "requests"),
    ("", "download -d install flask", "flask"),
    ("", "download --dest out --platform x --no-deps flask", "flask"),
    ("", "wheel --wheel-dir out --no-verify flask", "flask"),
    ("", "lock --output out.toml flask", "flask"),
    ("", "install --exists-action", "!usage: pip install: --exists-action option requires an argument"),
    ("", "install -r", "!usage: pip install: -r option requires an argument"),
    // Removed options still consume their value (older pips).
    ("", "install --global-option=--no-ext flask", "flask"),
    ("", "install --install-option --prefix=/x flask", "flask"),
    ("", "install --build-option --x flask", "flask"),
    ("", "install -b build flask", "flask"),
    ("", "install --build-dir build flask", "flask"),
    ("", "install --no-use-pep517 flask", "flask"),
    // Commands own their options: -t is install-only, -d download-only.
    ("", "download -t x flask", "!usage: pip download: no such option: -t"),
    ("", "install -d x flask", "!usage: pip install: no such option: -d"),
    ("", "lock -U flask", "!usage: pip lock: no such option: -U"),
    ("", "download -e ./proj", "!usage: pip download: no such option: -e"),
    // Clustered short options.
    ("", "install -Ur req.txt", "requirements-file:req.txt | requests >=1 <req.txt:1> | flask <req.txt:2>"),
    ("", "install -qqr r2.txt", "requirements-file:r2.txt | six ==1.16.0 <r2.txt:1>"),
    ("", "install -rr2.txt", "requirements-file:r2.txt | six ==1.16.0 <r2.txt:1>"),
    ("", "install -Uqt target flask", "flask"),
    ("", "install -ve ./proj", "path:./proj"),
    ("", "install -ihttps://x/simple flask", "flask || index:https://x/simple"),
    ("", "install -Ux flask", "!usage: pip install: no such option: -x"),
    // Abbreviations: exact wins, unique prefix works, ambiguous is an error.
    ("", "install --pre flask", "flask"),
    ("", "install --prefi /opt flask", "flask"),
    ("", "install --ind https://x flask", "flask || index:https://x"),
    ("", "install --in https://x flask", "flask || index:https://x"),
    ("", "install --ext https://e flask", "flask || extra-index:https://e"),
    ("", "install --fi ./wheels flask", "flask || find-links:./wheels"),
    ("", "install --ta lib flask", "flask"),
    ("", "install --ed ./proj", "path:./proj"),
    ("", "install --cons c.txt flask", "!file: c.txt: could not open*"),
    ("", "install --rep out.json flask", "flask"),
    ("", "install --sr src flask", "flask"),
    ("", "install --source src flask", "flask"),
    ("", "install --log- l flask", "flask"),
    // 26.x: --requirements-from-script makes every prefix of --requirement ambiguous.
    ("", "install --requirem req.txt", "!usage: pip install: option --requirem is ambiguous (--requirement, --requirements-from-script)"),
    ("", "install --requirement req.txt", "requirements-file:req.txt | requests >=1 <req.txt:1> | flask <req.txt:2>"),
    ("", "install --req req.txt", "!usage: pip install: option --req is ambiguous*"),
    ("", "install --con c.txt flask", "!usage: pip install: option --con is ambiguous (--config-settings, --constraint)"),
    ("", "install --pref x flask", "!usage: pip install: option --pref is ambiguous (--prefer-binary, --prefix)"),
    ("", "install --us x flask", "!usage: pip install: option --us is ambiguous*"),
    ("", "install --only x flask", "!usage: pip install: option --only is ambiguous*"),
    ("", "install --no-b x flask", "!usage: pip install: option --no-b is ambiguous*"),
    ("", "install --lo x flask", "!usage: pip install: option --lo is ambiguous (--local-log, --log, --log-file)"),
    // A removed option matches by prefix only when no current option does.
    ("", "install --install-o x flask", "flask"),
    // Unknown options fail closed; flags reject =value.
    ("", "install --frobnicate flask", "!usage: pip install: no such option: --frobnicate"),
    ("", "install --user=1 flask", "!usage: pip install: --user option does not take a value (in --user=1)"),
    ("", "install --no-cache-dir=1 flask", "!usage: pip install: --no-cache-dir option does not take*"),
    ("", "install --upg=1 flask", "!usage: pip install: option --upg is ambiguous*"),
    // `--` ends options.
    ("", "install -- -e", "!usage: pip install: invalid requirement \"-e\"*"),
    ("", "install -- --pre flask", "!usage: pip install: invalid requirement \"--pre\"*"),
    ("", "install flask -- six", "flask | six"),
    // PEP 508 positionals.
    ("", "install requests>=1.0,<2", "requests >=1.0,<2"),
    ("", "install 'requests (>=1.0)'", "requests >=1.0"),
    ("", "install '  requests  ==  2.0.0  '", "requests ==2.0.0"),
    ("", "install Flask_Login[extra1,extra2]~=0.6", "Flask_Login ~=0.6"),
    ("", "install 'foo==1.2.*; python_version < \"3.8\"'", "foo ==1.2.*"),
    ("", "install foo===weird!", "foo ===weird!"),
    ("", "install foo!=1.0 bar<=2 baz>3", "foo !=1.0 | bar <=2 | baz >3"),
    ("", "install 'pkg @ https://h/pkg-1.0.tar.gz'", "url:pkg https://h/pkg-1.0.tar.gz"),
    ("", "install 'pkg[x] @ git+https://g/r.git@v1 ; os_name == \"nt\"'", "git:pkg git+https://g/r.git@v1"),
    ("", "install bar#x", "!usage: pip install: invalid requirement \"bar#x\"*"),
    ("", "install foo_", "!usage: pip install: invalid requirement \"foo_\"*"),
    ("", "install 'foo ==1' ' bar'", "foo ==1 | bar"),
    ("", "install 'foo 1.0'", "!usage: *"),
    // 26.x (packaging >= 22): an empty marker is an error; 23.2.1 accepted it.
    ("", "install foo;", "!usage: pip install: invalid requirement \"foo;\": empty environment marker"),
    ("", "install 'foo (>=1'", "!usage: *"),
    ("", "install ''", "!usage: *"),
    ("", "install ünïcode", "!usage: *"),
    ("", "install requests", "requests"),
    // URLs.
    ("", "install https://h/requests-2.31.0-py3-none-any.whl", "url:requests https://h/requests-2.31.0-py3-none-any.whl"),
    ("", "install https://h/archive.zip#egg=mypkg", "url:mypkg https://h/archive.zip#egg=mypkg"),
    ("", "install https://h/archive.tar.gz", "url:https://h/archive.tar.gz"),
    ("", "install ftp://h/x.tgz file:///tmp/y.whl", "url:ftp://h/x.tgz | url:file:///tmp/y.whl"),
    ("", "install git+https://github.com/o/r.git#egg=r", "git:r git+https://github.com/o/r.git#egg=r"),
    ("", "install git+ssh://git@github.com/o/r.git", "git:git+ssh://git@github.com/o/r.git"),
    ("", "install hg+https://h/r svn+svn://h/r bzr+lp:r", "git:hg+https://h/r | git:svn+svn://h/r | git:bzr+lp:r"),
    ("", "install 'https://h/x.whl; python_version>\"3\"'", "url:https://h/x.whl"),
    ("", "install HTTPS://H/Pkg.zip", "url:HTTPS://H/Pkg.zip"),
    // Plain git:// is not a URL for a positional (pip: invalid requirement).
    ("", "install git://h/r.git", "!usage: *"),
    // Local paths.
    ("", "install ./proj", "path:./proj"),
    ("", "install ./proj[dev]", "path:./proj[dev]"),
    ("", "install legacy/", "path:legacy/ | dynamic-dependencies:legacy/setup.py computes the dependencies when it runs at build time <legacy/setup.py:1>"),
    ("", "install ./notproj", "!usage: pip install: directory \"./notproj\" is not installable*"),
    ("", "install ./missing", "!usage: pip install: invalid requirement \"./missing\"*"),
    ("", "install proj", "proj"),
    ("", "install lib-2.0.tar.gz", "path:lib lib-2.0.tar.gz"),
    ("", "install missing-1.0-py3-none-any.whl", "path:missing missing-1.0-py3-none-any.whl"),
    ("", "install ../dist/My_Pkg-1.0-py3-none-any.whl", "path:My-Pkg ../dist/My_Pkg-1.0-py3-none-any.whl"),
    ("", "install 'pkg@https://h/pkg.zip'", "url:pkg https://h/pkg.zip"),
    // Editables.
    ("", "install -e ./proj", "path:./proj"),
    ("", "install -e proj", "path:proj"),
    ("", "install --editable=./proj[dev]", "path:./proj[dev]"),
    ("", "install -e git+https://g/r.git#egg=r", "git:r git+https://g/r.git#egg=r"),
    ("", "install -e git://g/r.git#egg=r", "git:r git://g/r.git#egg=r"),
    ("", "install -e git+https://g/r.git", "!usage: pip install: could not detect requirement name*"),
    // 26.x: `-e name @ vcs-url`.
    ("", "install -e 'r @ git+https://g/r.git'", "git:r git+https://g/r.git"),
    ("", "install -e file:///src/p#egg=p", "url:p file:///src/p#egg=p"),
    ("", "install -e ./missing", "!usage: pip install: \"./missing\" is not a valid editable*"),
    ("", "install -e notproj", "!usage: pip install: editable \"notproj\" does not appear*"),
    ("", "install -e flask", "!usage: *"),
    ("", "wheel -e ./proj flask", "flask | path:./proj"),
    // Requirements files.
    ("", "install -r req.txt", "requirements-file:req.txt | requests >=1 <req.txt:1> | flask <req.txt:2>"),
    ("", "install -r req.txt --no-binary flask requests", "requests | requirements-file:req.txt | requests >=1 <req.txt:1> | flask <req.txt:2>"),
    ("", "install -r cont.txt", "requirements-file:cont.txt | path:./proj <cont.txt:1> | requirements-file:r2.txt <cont.txt:2> | six ==1.16.0 <r2.txt:1> | attrs ==23.1 <cont.txt:4> | foo-bar >=2,<3 <cont.txt:7>"),
    ("", "install -r idx.txt", "requirements-file:idx.txt | click <idx.txt:5> || index:https://corp/simple <idx.txt:1> | extra-index:https://extra/simple <idx.txt:2> | find-links:./wheels <idx.txt:3> | index:https://abbr/simple <idx.txt:4>"),
    ("", "install -r opts.txt", "requirements-file:opts.txt | numpy <opts.txt:8> | pandas <opts.txt:9>"),
    ("", "install -r bad.txt", "!file: bad.txt:2: invalid requirement \"bar#x\"*"),
    ("", "install -r badopt.txt", "!file: badopt.txt:2: requirements file: no such option: --target"),
    ("", "install -r missing.txt", "!file: missing.txt: could not open requirements file*"),
    ("", "install -r self.txt", "!file: self.txt: requirements file includes itself (referenced at self.txt:2): self.txt -> self.txt"),
    ("", "install -r loop1.txt", "!file: ./loop1.txt: requirements file includes itself (referenced at loop2.txt:1): loop1.txt -> loop2.txt -> ./loop1.txt"),
    ("", "install -r sub/base.txt", "requirements-file:sub/base.txt | requirements-file:sub/common.txt <sub/base.txt:1> | common <sub/common.txt:1> | path:./proj <sub/common.txt:2> | x1 <sub/base.txt:2>"),
    ("PKG=django;VER=4.2", "install -r env.txt", "!file: env.txt:2: invalid requirement \"$PKG\"*"),
    ("", "install -r https://example.com/r.txt", "requirements-file:https://example.com/r.txt"),
    ("", "install -r remote.txt", "requirements-file:remote.txt | requirements-file:https://example.com/more.txt <remote.txt:1> | local-pkg <remote.txt:2>"),
    ("", "install -r file:///project/r2.txt", "requirements-file:file:///project/r2.txt | six ==1.16.0 <file:///project/r2.txt:1>"),
    ("", "install -c cons.txt flask", "flask | requirements-file:inner.txt <cons.txt:1> | inner-pkg <inner.txt:1>"),
    ("", "install -r withc.txt", "requirements-file:withc.txt | requirements-file:inner.txt <cons.txt:1> | inner-pkg <inner.txt:1> | outer <withc.txt:2>"),
    ("", "install -c https://h/c.txt flask", "flask"),
    ("", "install -r lineopts.txt", "requirements-file:lineopts.txt | foo <lineopts.txt:1> | requirements-file:r2.txt <lineopts.txt:2> | six ==1.16.0 <r2.txt:1>"),
    ("", "install -r reqline.txt", "requirements-file:reqline.txt | url:pkg https://x.org/pkg-1.0-py3-none-any.whl <reqline.txt:1> | git:name git+https://g/r.git <reqline.txt:2> | path:./proj <reqline.txt:3>"),
    ("", "install -r quote.txt", "!file: quote.txt:1: could not split options*"),
    ("", "install -r tabs.txt", "!file: tabs.txt:1: invalid requirement*"),
    ("", "install -r comment.txt", "!file: comment.txt:3: invalid requirement \"pkg#egg=x\"*"),
    ("", "install -r unterminated.txt", "!file: unterminated.txt:1: invalid requirement \"a b\"*"),
    ("", "install -r latin.txt", "requirements-file:latin.txt | latinpkg <latin.txt:2>"),
    ("", "install -r ambig.txt", "!file: ambig.txt:1: requirements file: option --e is ambiguous (--editable, --extra-index-url)"),
    ("", "install -r flageq.txt", "!file: flageq.txt:1: requirements file: --pre option does not take a value*"),
    ("", "install -r fl.txt -r sub/fl.txt", "requirements-file:fl.txt | requirements-file:sub/fl.txt || find-links:wheels <fl.txt:1> | find-links:https://links/ <fl.txt:2> | find-links:sub/wheels <sub/fl.txt:1>"),
    ("", "install -r empty.txt", "requirements-file:empty.txt"),
    ("", "install -r r2.txt -r r2.txt", "requirements-file:r2.txt | six ==1.16.0 <r2.txt:1> | requirements-file:r2.txt | six ==1.16.0 <r2.txt:1>"),
    // Sources on argv.
    ("", "install -i https://a --extra-index-url https://b -f ./wheels flask", "flask || index:https://a | extra-index:https://b | find-links:./wheels"),
    ("", "install --pypi-url https://a flask", "flask || index:https://a"),
    ("", "install --index-url=https://u:p@a/simple flask", "flask || index:https://u:p@a/simple"),
    ("", "install --no-index -f ./wheels flask", "flask || find-links:./wheels | no-index:--no-index"),
    ("", "install --no-ind flask", "flask || no-index:--no-index"),
    ("", "install -r noidx.txt", "requirements-file:noidx.txt | localpkg <noidx.txt:2> || no-index:--no-index <noidx.txt:1>"),
    ("PIP_NO_INDEX=1", "install flask", "flask || no-index:--no-index <env:PIP_NO_INDEX>"),
    ("PIP_NO_INDEX=off", "install flask", "flask"),
    ("PIP_NO_INDEX=1", "install --isolated flask", "flask"),
    ("PIP_NO_INDEX=maybe", "install flask", "!usage: env:PIP_NO_INDEX: no-index = \"maybe\" is not a valid value*"),
    // Environment.
    ("PIP_INDEX_URL=https://env/simple", "install flask", "flask || index:https://env/simple <env:PIP_INDEX_URL>"),
    ("PIP_INDEX_URL=https://env/simple", "install -i https://cli flask", "flask || index:https://cli"),
    ("PIP_EXTRA_INDEX_URL=https://a https://b", "install --extra-index-url https://c flask", "flask || extra-index:https://a <env:PIP_EXTRA_INDEX_URL> | extra-index:https://b <env:PIP_EXTRA_INDEX_URL> | extra-index:https://c"),
    ("PIP_FIND_LINKS=/w1 /w2", "download flask", "flask || find-links:/w1 <env:PIP_FIND_LINKS> | find-links:/w2 <env:PIP_FIND_LINKS>"),
    ("PIP_REQUIREMENT=r2.txt", "install flask", "flask | requirements-file:r2.txt <env:PIP_REQUIREMENT> | six ==1.16.0 <r2.txt:1>"),
    ("PIP_REQUIREMENT=r2.txt", "install -r req.txt", "requirements-file:r2.txt <env:PIP_REQUIREMENT> | six ==1.16.0 <r2.txt:1> | requirements-file:req.txt | requests >=1 <req.txt:1> | flask <req.txt:2>"),
    ("PIP_EDITABLE=./proj", "install", "path:./proj <env:PIP_EDITABLE>"),
    ("PIP_EDITABLE=./proj", "download flask", "flask"),
    ("PIP_REQUIREMENT=missing.txt", "install flask", "!file: missing.txt: could not open*"),
    ("PIP_CONSTRAINT=cons.txt", "install flask", "flask | requirements-file:inner.txt <cons.txt:1> | inner-pkg <inner.txt:1>"),
    ("PIP_INDEX_URL=", "install flask", "flask"),
    ("PIP_INDEX_URL=https://env", "install --isolated flask", "flask"),
    ("PIP_REQUIREMENT=r2.txt", "--isolated install flask", "flask"),
    ("PIP_REQUIREMENT=r2.txt", "install --log --isolated flask", "flask"),
    // `--isol` sets the option but pip still reads the environment.
    ("PIP_INDEX_URL=https://env", "install --isol flask", "flask || index:https://env <env:PIP_INDEX_URL>"),
    // Config files.
    ("PIP_CONFIG_FILE=cfg/pip.conf", "install flask", "flask | requirements-file:r2.txt <cfg/pip.conf:8> | six ==1.16.0 <r2.txt:1> || index:https://cfg/simple <cfg/pip.conf:2> | extra-index:https://e1/simple <cfg/pip.conf:3> | extra-index:https://e2/simple <cfg/pip.conf:3>"),
    ("PIP_CONFIG_FILE=cfg/pip.conf", "download flask", "flask || index:https://cfg/simple <cfg/pip.conf:2> | extra-index:https://e1/simple <cfg/pip.conf:3> | extra-index:https://e2/simple <cfg/pip.conf:3>"),
    ("PIP_CONFIG_FILE=cfg/pip.conf;PIP_INDEX_URL=https://env", "install --isolated flask", "flask | requirements-file:r2.txt <cfg/pip.conf:8> | six ==1.16.0 <r2.txt:1> || index:https://cfg/simple <cfg/pip.conf:2> | extra-index:https://e1/simple <cfg/pip.conf:3> | extra-index:https://e2/simple <cfg/pip.conf:3>"),
    ("PIP_CONFIG_FILE=cfg/pip.conf;PIP_EXTRA_INDEX_URL=https://env", "wheel flask", "flask || index:https://cfg/simple <cfg/pip.conf:2> | extra-index:https://env <env:PIP_EXTRA_INDEX_URL>"),
    ("PIP_CONFIG_FILE=cfg/dl.conf", "download flask", "flask || find-links:https://dl/links <cfg/dl.conf:2>"),
    ("PIP_CONFIG_FILE=cfg/dl.conf", "install flask", "flask | path:./proj <cfg/dl.conf:4>"),
    ("PIP_CONFIG_FILE=cfg/bad.conf", "install flask", "!file: cfg/bad.conf:2: cannot parse line*"),
    ("PIP_CONFIG_FILE=cfg/nosect.conf", "install flask", "!file: cfg/nosect.conf:1: file contains no section headers"),
    // configparser keeps `index-url` and `index_url` apart; pip then lets the later win.
    ("PIP_CONFIG_FILE=cfg/dup.conf", "install flask", "flask || index:b <cfg/dup.conf:3>"),
    ("PIP_CONFIG_FILE=cfg/dup2.conf", "install flask", "!file: cfg/dup2.conf:3: duplicate option*"),
    ("PIP_CONFIG_FILE=cfg/missing.conf", "install flask", "flask"),
    ("PIP_CONFIG_FILE=cfg/bad.conf", "list", "PASS"),
    ("XDG_CONFIG_HOME=/project/xdg", "install flask", "flask || find-links:https://xdg-home/links </project/xdg/pip/pip.conf:2>"),
    ("XDG_CONFIG_HOME=/project/xdg", "install --isolated flask", "flask"),
    ("XDG_CONFIG_HOME=/project/xdg;PIP_CONFIG_FILE=cfg/dl.conf", "install flask", "flask | path:./proj <cfg/dl.conf:4>"),
    ("XDG_CONFIG_DIRS=/project/xdgdirs", "install --isolated flask", "flask || index:https://xdg-global/simple </project/xdgdirs/pip/pip.conf:2>"),
    ("VIRTUAL_ENV=/project/venv", "install flask", "flask || extra-index:https://venv/simple </project/venv/pip.conf:2>"),
    ("VIRTUAL_ENV=/project/venv;PIP_CONFIG_FILE=/dev/null", "install flask", "flask"),
    // --group and --requirements-from-script name manifests whose dependencies get installed.
    ("", "install --group dev", "manifest:pyproject.toml:dev | pytest <pyproject.toml:2> | ruff ==0.5 <pyproject.toml:3>"),
    ("", "install --group sub/pyproject.toml:test flask", "flask | manifest:sub/pyproject.toml:test | hypothesis <sub/pyproject.toml:2>"),
    ("", "install --group=sub/pyproject.toml:Test", "manifest:sub/pyproject.toml:Test | hypothesis <sub/pyproject.toml:2>"),
    ("", "install --group nope", "!file: pyproject.toml: [dependency-groups] has no group `nope`"),
    ("", "install --group sub/other.toml:test", "!usage: pip install: --group sub/other.toml:test: the group file must be named 'pyproject.toml' (got sub/other.toml)"),
    ("", "install --group missing/pyproject.toml:x", "!file: missing/pyproject.toml: no such file (named by --group missing/pyproject.toml:x)"),
    ("", "install --requirements-from-script tool.py", "manifest:tool.py | rich <tool.py:4>"),
];

#[test]
fn pip_command_lines() {
    check(CASES, world);
}

/// Encodings and per-user config files that would disturb the other cases.
#[test]
#[rustfmt::skip]
fn pip_encodings_and_home_config() {
    let utf16 = |le: bool, s: &str| -> Vec<u8> {
        let mut out = if le {
            vec![0xff, 0xfe]
        } else {
            vec![0xfe, 0xff]
        };
        for u in s.encode_utf16() {
            out.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        out
    };
    let w = || {
        let w = world().file("bom8.txt", "\u{feff}bompkg\n");
        let w = with_bytes(w, "u16le.txt", utf16(true, "wide-le\r\n-r r2.txt\n"));
        let w = with_bytes(w, "u16be.txt", utf16(false, "wide-be\n"));
        let w = with_bytes(w, "latin1raw.txt", b"caf\xe9\n".to_vec());
        let w = w.file(
            "/home/user/.pip/pip.conf",
            "[global]\nindex-url = https://legacy/simple\n",
        );
        w.file(
            "/home/user/.config/pip/pip.conf",
            "[install]\nextra-index-url = https://user/simple\n",
        )
    };
    check(
        &[
            ("", "install -r bom8.txt", "requirements-file:bom8.txt | bompkg <bom8.txt:1> || index:https://legacy/simple </home/user/.pip/pip.conf:2> | extra-index:https://user/simple </home/user/.config/pip/pip.conf:2>"),
            ("", "install --isolated -r u16le.txt", "requirements-file:u16le.txt | wide-le <u16le.txt:1> | requirements-file:r2.txt <u16le.txt:2> | six ==1.16.0 <r2.txt:1>"),
            ("", "install --isolated -r u16be.txt", "requirements-file:u16be.txt | wide-be <u16be.txt:1>"),
            ("", "install --isolated -r latin1raw.txt", "!file: latin1raw.txt: not valid UTF-8*"),
            // PIP_CONFIG_FILE exists, so the user files are skipped.
            ("PIP_CONFIG_FILE=cfg/dl.conf", "download flask", "flask || find-links:https://dl/links <cfg/dl.conf:2>"),
            ("PIP_CONFIG_FILE=cfg/missing.conf", "download flask", "flask || index:https://legacy/simple </home/user/.pip/pip.conf:2>"),
        ],
        w,
    );
}

/// Requirements-file details that are easier to state on their own.
#[test]
fn pip_requirement_file_lines() {
    let w = world();
    let lines: Vec<(u32, String)> = logical_lines("a \\\n b\n# c \\\nd  # e\n\n  \nf\\", &w);
    assert_eq!(
        lines,
        vec![
            (1, "a  b".to_string()),
            (4, "d".to_string()),
            (7, "f".to_string())
        ]
    );
    let w = world().env("PKG", "django").env("VER", "4.2");
    assert_eq!(
        expand_env("${PKG}==${VER} $PKG ${lower} ${PKG", &w),
        "django==4.2 $PKG ${lower} ${PKG"
    );
    assert_eq!(
        shlex_split(r#"-i "a b" 'c d' e\ f"#).unwrap(),
        vec!["-i", "a b", "c d", "e f"]
    );
    assert_eq!(
        break_args_options("foo>=1 ; x --hash=y -C z"),
        ("foo>=1 ; x".to_string(), "--hash=y -C z".to_string())
    );
    assert_eq!(split_lines("a\r\nb\rc\u{2028}d"), vec!["a", "b", "c", "d"]);
    assert_eq!(join_nested("sub/base.txt", "x.txt"), "sub/x.txt");
    assert_eq!(join_nested("base.txt", "/abs/x.txt"), "/abs/x.txt");
    assert_eq!(
        join_nested("https://h/a/b.txt", "c.txt"),
        "https://h/a/c.txt"
    );
    assert_eq!(file_url_path("file:///project/r.txt"), "/project/r.txt");
    assert_eq!(
        file_url_path("file://localhost/project/r.txt"),
        "/project/r.txt"
    );
}

#[test]
#[rustfmt::skip]
fn pip_env_expansion_in_files() {
    let w = || world().file("env1.txt", "${PKG}==${VER}\n${EMPTY}-x>=1 ; extra\n").file("env2.txt", "ok\n${UNSET}x\n");
    check(&[
        ("PKG=django;VER=4.2;EMPTY=", "install -r env1.txt", "!file: env1.txt:2: invalid requirement \"${EMPTY}-x>=1 ; extra\"*"),
        ("PKG=django;VER=4.2", "install -r env1.txt", "!file: env1.txt:2:*"),
        ("PKG=django;VER=4.2", "install -r env2.txt", "!file: env2.txt:2: invalid requirement \"${UNSET}x\"*"),
        ("PKG=django;VER=4.2;UNSET=y", "install -r env2.txt", "requirements-file:env2.txt | ok <env2.txt:1> | yx <env2.txt:2>"),
        ("PKG=django;VER=4.2", "install -r env.txt --no-deps", "!file: env.txt:2: invalid requirement \"$PKG\"*"),
        ("PKG=django;VER=4.2", "install -r envok.txt", "requirements-file:envok.txt | django ==4.2 <envok.txt:1>"),
    ], || w().file("envok.txt", "${PKG}==${VER}\n"));
}

#[rustfmt::skip]
const TOKENS: &[&str] = &[
    "install",
    "download",
    "wheel",
    "lock",
    "list",
    "-r",
    "-e",
    "-c",
    "-i",
    "-f",
    "-U",
    "-q",
    "-Ur",
    "-qqr",
    "--",
    "-",
    "--pre",
    "--prefix",
    "--pref",
    "--req",
    "--requirement",
    "--editable=",
    "--index-url=",
    "--isolated",
    "--log",
    "-h",
    "-V",
    "--user=1",
    "req.txt",
    "cont.txt",
    "self.txt",
    "bad.txt",
    "env.txt",
    "./proj",
    "./proj[dev]",
    "proj",
    "flask",
    "flask>=1",
    "bar#x",
    "x @ ",
    "git+https://g/r.git#egg=r",
    "https://h/x.whl",
    "é",
    "ü[",
    "[]",
    "a;",
    "\u{2028}",
    "${X}",
    "=",
    "--no-binary",
    "-Cé",
    "-iü",
    "--é",
    "-é",
    "file:",
    "file://",
    "pkg-1.0-py3-none-any.whl",
    "'",
    "\"",
    "\\",
    "(",
    ")",
    ">=",
    "==",
    "@",
    ";",
    "#",
    "name @ url ;",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]
    #[test]
    fn parse_never_panics(
        picks in proptest::collection::vec(
            prop_oneof![
                (0..TOKENS.len()).prop_map(|i| TOKENS[i].to_string()),
                "[-a-z=@#;.\\[\\]/:${}() éü\\\\']{0,12}",
                any::<String>(),
            ],
            0..8,
        ),
        file in "[-a-z=@#;.\\[\\]/:${}()\n\\\\ éü']{0,40}",
    ) {
        let w = world()
            .file("fuzz.txt", &file)
            .env("PIP_REQUIREMENT", "fuzz.txt")
            .env("X", "-r fuzz.txt");
        let _ = parse(&picks, &w);
    }
}

/// Nesting as pip 23.2.1 does it (checked with the real pip): a file included from two places
/// is fine, 950 levels are fine, a cycle is an error naming the chain.
#[test]
fn requirements_nesting_as_pip_does_it() {
    let diamond = MemWorld::new()
        .file("a.txt", "-r b.txt\n-r c.txt\n-c d.txt\n")
        .file("b.txt", "-r d.txt\nb-pkg\n")
        .file("c.txt", "-r sub/../d.txt\n")
        .file("d.txt", "six\n");
    let got = render(&parse(&argv("install -r a.txt"), &diamond));
    assert_eq!(
        got,
        "requirements-file:a.txt | requirements-file:b.txt <a.txt:1> | requirements-file:d.txt <b.txt:1> | six <d.txt:1> | b-pkg <b.txt:2> | requirements-file:c.txt <a.txt:2> | requirements-file:sub/../d.txt <c.txt:1>"
    );
    let mut deep = MemWorld::new();
    for i in 0..950 {
        deep = deep.file(&format!("n{i}.txt"), &format!("-r n{}.txt\n", i + 1));
    }
    deep = deep.file("n950.txt", "leaf-pkg\n");
    let req = parse(&argv("install -r n0.txt"), &deep).unwrap();
    assert_eq!(req.targets.last().unwrap().label(), "leaf-pkg");
    assert_eq!(req.targets.len(), 952);
    let mut deeper = MemWorld::new();
    for i in 0..1100 {
        deeper = deeper.file(&format!("n{i}.txt"), &format!("-r n{}.txt\n", i + 1));
    }
    let e = parse(&argv("install -r n0.txt"), &deeper).unwrap_err();
    assert!(
        e.message.contains("nested deeper than 1000"),
        "{}",
        e.message
    );
    let cycle = MemWorld::new()
        .file("x.txt", "-r y.txt\n")
        .file("y.txt", "-r z.txt\n")
        .file("z.txt", "-r ./x.txt\n");
    let e = parse(&argv("install -r x.txt"), &cycle).unwrap_err();
    assert_eq!(
        e.message,
        "./x.txt: requirements file includes itself (referenced at z.txt:1): x.txt -> y.txt -> z.txt -> ./x.txt"
    );
}
