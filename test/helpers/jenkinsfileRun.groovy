// Runs a declarative Jenkinsfile's stages with Groovy (the 2.4 line that Jenkins embeds): its own functions and closures, in
// order, each `sh` step for real under `sh -xe` in the workspace of the agent the stage runs on, and stubs for the
// steps that need a Jenkins (checkout of the infra repository, credentials, stash). Prints one JSON line per step
// and a last line with the result, for test/releaseCommit.test.ts. It is not Jenkins: no CPS transformation, script
// sandbox, remoting, separate machines, or Jenkins' own actions (Replay, Rebuild, Restart from Stage); it shows the
// order of the steps and what each `sh` step does with what the steps before it left.
//
// groovy jenkinsfileRun.groovy <Jenkinsfile> <work dir> <json: {params, env, lie}>
//   env: extra environment of every step (PATH with stub tools, the app repository to fetch from)
//   lie: stdout that the build agent returns for its returnStdout step instead of the step's own (a tampered agent)
import groovy.json.JsonOutput
import groovy.json.JsonSlurper
import org.codehaus.groovy.control.CompilerConfiguration

abstract class Pipeline extends Script {
    Map params = [:]
    Map env = [:]
    Map extraEnv = [:]
    String lie
    File work
    String defaultAgent
    String agentLabel
    String stageName
    boolean inStage
    String subdir
    List<List<String>> withEnvStack = []
    Map<String, List<File>> stashes = [:]

    void event(Map e) { println JsonOutput.toJson([stage: stageName, agent: agentLabel] + e) }
    File ws() { def d = new File(new File(work, agentLabel), subdir ?: ''); d.mkdirs(); d }

    def pipeline(Closure body) { body() }
    def agent(Closure body) { body() }
    def label(String l) { if (inStage) agentLabel = l else defaultAgent = l }
    def options(Closure body) {}
    def environment(Closure body) {
        def values = [:]
        body.resolveStrategy = Closure.DELEGATE_FIRST
        body.delegate = values
        body()
        env.putAll(values)
    }
    def stages(Closure body) { body() }
    def stage(String name, Closure body) {
        stageName = name
        agentLabel = defaultAgent
        inStage = true
        try { body() } finally { inStage = false }
    }
    def steps(Closure body) { body() }
    def post(Closure body) {}
    def script(Closure body) { body() }
    def dir(String d, Closure body) {
        def outer = subdir
        subdir = d
        try { body() } finally { subdir = outer }
    }
    def withEnv(List<String> vars, Closure body) {
        withEnvStack << vars
        try { body() } finally { withEnvStack.remove(withEnvStack.size() - 1) }
    }
    def git(Map args) { event(step: 'git', url: args.url, branch: args.branch) }
    def stash(Map args) {
        def files = ws().listFiles().findAll { it.name.endsWith('.deb') }
        stashes[args.name] = files
        event(step: 'stash', name: args.name, files: files*.name.sort())
    }
    def unstash(String name) {
        stashes[name].each { f -> new File(ws(), f.name).bytes = f.bytes }
        event(step: 'unstash', name: name)
    }
    def file(Map args) { [kind: 'file'] + args }
    def withCredentials(List bindings, Closure body) {
        event(step: 'withCredentials', bindings: bindings.collect { it.credentialsId })
        def bound = bindings.findAll { it.kind == 'file' }.collect { b ->
            def f = File.createTempFile('credential', '', ws())
            f.text = 'not a key'
            "${b.variable}=${f.path}".toString()
        }
        withEnv(bound + ['AWS_ACCESS_KEY_ID=stub', 'AWS_SECRET_ACCESS_KEY=stub'], body)
    }
    def error(String message) { throw new RuntimeException(message) }

    def sh(String script) { sh(script: script) }
    def sh(Map args) {
        def environment = new HashMap<String, String>(System.getenv())
        environment.putAll(env.collectEntries { k, v -> [(k.toString()): v.toString()] })
        environment.putAll(extraEnv)
        withEnvStack.flatten().each { String kv -> environment[kv.split('=', 2)[0]] = kv.split('=', 2)[1] }
        def process = new ProcessBuilder(['sh', '-xe', '-c', args.script as String])
        process.directory(ws())
        process.environment().clear()
        process.environment().putAll(environment)
        def p = process.start()
        def out = new StringBuffer(), err = new StringBuffer()
        p.waitForProcessOutput(out, err) // both streams read to their end, then the exit
        int status = p.exitValue()
        def returned = args.returnStdout && agentLabel == 'build' && lie != null ? lie : out.toString()
        event(step: 'sh', status: status, script: (args.script as String).trim().readLines()[0], log: err.toString())
        if (status != 0) throw new RuntimeException("script returned exit code ${status}")
        args.returnStdout ? returned : null
    }
}

def (jenkinsfile, workDir, options) = [args[0], args[1], new JsonSlurper().parseText(args[2])]
def config = new CompilerConfiguration()
config.scriptBaseClass = Pipeline.name
def run = new GroovyShell(this.class.classLoader, new Binding(), config).parse(new File(jenkinsfile).text) as Pipeline
// Script.setProperty would write the binding, not these fields.
run.setParams(options.params)
run.setExtraEnv(options.env)
run.setLie(options.lie)
run.setWork(new File(workDir))
try {
    run.run()
    println JsonOutput.toJson([result: 'SUCCESS'])
} catch (Exception e) {
    println JsonOutput.toJson([result: 'FAILURE', error: e.message, stage: run.stageName])
}
