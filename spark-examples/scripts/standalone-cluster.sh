#!/usr/bin/env bash
# A real Spark cluster on this machine: a standalone master and two workers (1 core, their own
# JVMs, from the jars Maven resolved: no Spark download), the spam example submitted to it as a
# driver JVM, and everything stopped at the end.
#
#   spark-examples/scripts/standalone-cluster.sh [example options, e.g. epochs=3 limit=2000]
#   KILL_AFTER=60 spark-examples/scripts/standalone-cluster.sh ...   # kill -9 one worker and its executor after 60 s
#   MAIN=org.seqml.spark.examples.StepOverhead spark-examples/scripts/standalone-cluster.sh   # another program
#
# Logs: spark-examples/target/cluster/*.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
out=$root/spark-examples/target/cluster
rm -rf "$out" && mkdir -p "$out/spark-home/jars"

mvn -B -ntp -q -pl spark-examples -am install -DskipTests
mvn -B -ntp -q -pl spark-examples dependency:build-classpath -Dmdep.outputFile="$out/classpath.txt"
classpath="$root/spark-examples/target/classes:$(cat "$out/classpath.txt")"
# SPARK_HOME/jars is where a worker looks for the jars of the executors it launches
tr ':' '\n' < "$out/classpath.txt" | while read -r jar; do ln -sf "$jar" "$out/spark-home/jars/"; done
export SPARK_HOME=$out/spark-home
# the launcher asks a source build for its Scala version; a distribution of jars says it here
export SPARK_SCALA_VERSION=2.13
opens="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED"

pids=()
stop() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop EXIT

java -Xmx256m $opens -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.master.Master \
  --host 127.0.0.1 --port 7077 --webui-port 8090 > "$out/master.log" 2>&1 &
pids+=($!)
sleep 4
for w in 1 2; do
  java -Xmx256m $opens -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.worker.Worker \
    --host 127.0.0.1 --cores 1 --memory 1800m --webui-port $((8090 + w)) --work-dir "$out/work-$w" \
    spark://127.0.0.1:7077 > "$out/worker-$w.log" 2>&1 &
  pids+=($!)
done
sleep 5

if [ -n "${KILL_AFTER:-}" ]; then
  # the first worker and the executor it launched, as a machine that dies
  ( sleep "$KILL_AFTER"
    worker=${pids[1]}
    executor=$(pgrep -f "CoarseGrainedExecutorBackend.*--worker-url spark://Worker@127.0.0.1" | head -1 || true)
    echo "killing worker $worker and executor ${executor:-none} with -9 after $KILL_AFTER s" | tee -a "$out/kill.log"
    kill -9 "$worker" ${executor:+"$executor"} ) &
fi

java -Xmx2g $opens -Dspark.executor.memory=1200m -Dspark.executor.cores=1 \
  -Dspark.executor.extraClassPath="$classpath" -Dspark.executor.extraJavaOptions="$opens" \
  -Dspark.driver.host=127.0.0.1 -Dspark.driver.bindAddress=127.0.0.1 \
  -cp "$classpath" "${MAIN:-org.seqml.spark.examples.SpamOnSpark}" master=spark://127.0.0.1:7077 "$@" 2>&1 \
  | grep -v "^\s*at \|WARN" | tee "$out/driver.log"
