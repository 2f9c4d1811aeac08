// installguard's hook for one npm process (loaded with `node -r`, before npm's own CLI): the
// first reify builds the ideal tree with scripts off, hands its lockfile to installguard (the
// file named by INSTALLGUARD_NPM_LOCK; why it could not, in that name + `.error`), and waits
// for the verdict on descriptor 3: `ok` lets npm install exactly that tree, `ok ignore-scripts`
// the same with no install-time script run (npm's own lifecycle runner turned off); anything
// else (or the pipe closing) stops npm before it writes anything. It writes nothing to stdout
// and changes nothing else in npm.
'use strict'
const fs = require('fs')
const path = require('path')

const lockPath = process.env.INSTALLGUARD_NPM_LOCK
delete process.env.INSTALLGUARD_NPM_LOCK // not for what npm starts
if (lockPath) {
  const cli = process.argv[1] || ''
  const modules = path.join(path.dirname(cli), '..', 'node_modules', '@npmcli')
  // Every lifecycle script npm runs (dependencies' and the project's) goes through this one
  // module: with scripts off none starts. Replaced before Arborist binds it.
  const runScriptPath = require.resolve(path.join(modules, 'run-script'))
  const runScript = require(runScriptPath)
  let scriptsOff = false
  require.cache[runScriptPath].exports = Object.assign(function (opts) {
    if (scriptsOff) {
      return Promise.resolve({ event: opts && opts.event, code: 0, signal: null, stdout: '', stderr: '' })
    }
    return runScript.apply(this, arguments)
  }, runScript)
  const Arborist = require(path.join(modules, 'arborist'))
  const reify = Arborist.prototype.reify
  let asked = false
  const verdict = () => {
    const buf = Buffer.alloc(4096)
    let line = ''
    for (;;) {
      let n
      try {
        n = fs.readSync(3, buf, 0, buf.length, null)
      } catch (e) {
        if (e.code === 'EAGAIN' || e.code === 'EINTR') continue
        break
      }
      if (n === 0) break
      line += buf.toString('utf8', 0, n)
      if (line.includes('\n')) break
    }
    try { fs.closeSync(3) } catch {}
    return line.split('\n')[0]
  }
  Arborist.prototype.reify = async function (options = {}) {
    if (asked) return reify.call(this, options)
    asked = true
    await fs.promises.mkdir(path.resolve(this.path), { recursive: true })
    const scripts = this.options.ignoreScripts
    const retry = this.options.retry
    // Resolving runs nothing and gives up at once when the registry does not answer (as the
    // guard's resolve-only run does); the install keeps the user's settings.
    this.options.ignoreScripts = true
    this.options.retry = { ...(retry || {}), retries: 0 }
    try {
      await this.buildIdealTree(options)
    } catch (e) {
      // Why npm could not resolve (offline, no such package), for installguard to tell apart;
      // npm reports the error itself as usual.
      fs.writeFileSync(`${lockPath}.error`, `${e.code || ''} ${e.message || e}`, { mode: 0o600 })
      throw e
    } finally {
      this.options.ignoreScripts = scripts
      this.options.retry = retry
    }
    const tmp = `${lockPath}.part`
    fs.writeFileSync(tmp, this.idealTree.meta.toString(), { mode: 0o600 })
    fs.renameSync(tmp, lockPath)
    const answer = verdict()
    if (answer === 'ok ignore-scripts') {
      scriptsOff = true
      this.options.ignoreScripts = true
    } else if (answer !== 'ok') {
      const er = new Error(`installguard: ${answer || 'no verdict'}; nothing was installed`)
      er.code = 'EGUARD'
      throw er
    }
    return reify.call(this, options)
  }
}
