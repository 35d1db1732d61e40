package io.oncemq.bench.jmh;

import org.openjdk.jmh.annotations.Fork;

/**
 * Base of the benchmarks that open a Chronicle Queue: the forked JVM gets the flags Chronicle needs on JDK 17
 * (STACK.md) and its announcer and analytics switched off. JMH inherits class annotations from here.
 */
@Fork(value = 1, jvmArgsAppend = {
        "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-exports=java.base/jdk.internal.util=ALL-UNNAMED", "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED", "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
        "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
        "--add-opens=java.base/java.util=ALL-UNNAMED", "-Dchronicle.announcer.disable=true", "-Dchronicle.analytics.disable=true"})
public abstract class ChronicleBenchmark {
}
