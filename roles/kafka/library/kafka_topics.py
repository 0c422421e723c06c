#!/usr/bin/python
# -*- coding: utf-8 -*-
"""Create Kafka topics and keep their partition counts and configs, through the admin CLI."""

from __future__ import annotations

DOCUMENTATION = r"""
module: kafka_topics
short_description: Ensure Kafka topics exist with at least the listed partitions and the listed configs.
description:
  - Describes all topics with C(kafka-topics --describe), creates the missing ones, raises
    partition counts that are lower than listed and sets topic configs that differ.
  - Never lowers a partition count, deletes a topic or changes the replication factor of an
    existing topic (that needs a partition reassignment); a differing replication factor is
    returned as a warning.
options:
  bootstrap_servers: {type: str, required: true, description: host:port list of brokers.}
  topics: {type: list, elements: dict, required: true, description: Each with name, partitions, replication_factor and config.}
  bin_dir: {type: path, default: /usr/local/bin, description: Directory of the kafka-topics and kafka-configs commands.}
"""

import re

from ansible.module_utils.basic import AnsibleModule

TOPIC_LINE = re.compile(
    r"^Topic:\s*(?P<name>\S+)\s+TopicId:\s*\S+\s+PartitionCount:\s*(?P<partitions>\d+)\s+"
    r"ReplicationFactor:\s*(?P<replication_factor>\d+)\s+Configs:\s*(?P<configs>.*)$"
)
# Config values may contain commas (cleanup.policy=compact,delete), so split only before
# the next `key=`.
CONFIG_SPLIT = re.compile(r",(?=[A-Za-z0-9._-]+=)")


def parse_describe(output):
    """Return {topic: {partitions, replication_factor, config}} from `kafka-topics --describe`."""
    topics = {}
    for line in output.splitlines():
        match = TOPIC_LINE.match(line.strip())
        if not match:
            continue
        configs = {}
        text = match.group("configs").strip()
        if text:
            for entry in CONFIG_SPLIT.split(text):
                key, _, value = entry.partition("=")
                configs[key.strip()] = value.strip()
        topics[match.group("name")] = {
            "partitions": int(match.group("partitions")),
            "replication_factor": int(match.group("replication_factor")),
            "config": configs,
        }
    return topics


def plan_changes(wanted_topics, existing):
    """Return the actions that bring the existing topics to the wanted state, and warnings."""
    actions = []
    warnings = []
    for topic in wanted_topics:
        name = topic["name"]
        partitions = int(topic["partitions"])
        replication_factor = int(topic["replication_factor"])
        config = {key: str(value) for key, value in (topic.get("config") or {}).items()}

        current = existing.get(name)
        if current is None:
            actions.append({"action": "create", "topic": name, "partitions": partitions,
                            "replication_factor": replication_factor, "config": config})
            continue

        if current["partitions"] < partitions:
            actions.append({"action": "add_partitions", "topic": name, "partitions": partitions})
        elif current["partitions"] > partitions:
            warnings.append("topic %s has %d partitions, more than the %d listed; partitions are "
                            "never removed" % (name, current["partitions"], partitions))

        if current["replication_factor"] != replication_factor:
            warnings.append("topic %s has replication factor %d, not %d; changing it needs a "
                            "partition reassignment (kafka-reassign-partitions)"
                            % (name, current["replication_factor"], replication_factor))

        differing = {key: value for key, value in config.items() if current["config"].get(key) != value}
        if differing:
            actions.append({"action": "set_config", "topic": name, "config": differing})
    return actions, warnings


def command_for(action, bootstrap_servers, bin_dir):
    """Return the admin command line that carries out one planned action."""
    topics_command = [bin_dir + "/kafka-topics", "--bootstrap-server", bootstrap_servers]
    if action["action"] == "create":
        command = topics_command + [
            "--create", "--if-not-exists", "--topic", action["topic"],
            "--partitions", str(action["partitions"]),
            "--replication-factor", str(action["replication_factor"]),
        ]
        for key, value in sorted(action["config"].items()):
            command += ["--config", "%s=%s" % (key, value)]
        return command
    if action["action"] == "add_partitions":
        return topics_command + ["--alter", "--topic", action["topic"], "--partitions", str(action["partitions"])]
    pairs = ",".join(
        "%s=%s" % (key, "[%s]" % value if "," in value else value)
        for key, value in sorted(action["config"].items())
    )
    return [bin_dir + "/kafka-configs", "--bootstrap-server", bootstrap_servers,
            "--entity-type", "topics", "--entity-name", action["topic"], "--alter", "--add-config", pairs]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            bootstrap_servers=dict(type="str", required=True),
            topics=dict(type="list", elements="dict", required=True),
            bin_dir=dict(type="path", default="/usr/local/bin"),
        ),
        supports_check_mode=True,
    )
    bootstrap_servers = module.params["bootstrap_servers"]
    bin_dir = module.params["bin_dir"]

    for topic in module.params["topics"]:
        missing = [key for key in ("name", "partitions", "replication_factor") if key not in topic]
        if missing:
            module.fail_json(msg="topic %r is missing %s" % (topic.get("name", topic), ", ".join(missing)))

    describe = [bin_dir + "/kafka-topics", "--bootstrap-server", bootstrap_servers, "--describe"]
    code, stdout, stderr = module.run_command(describe)
    if code != 0:
        module.fail_json(msg="describing the topics failed (exit code %d): %s" % (code, stderr.strip()[-2000:]),
                         command=describe)

    actions, warnings = plan_changes(module.params["topics"], parse_describe(stdout))
    for warning in warnings:
        module.warn(warning)

    if not module.check_mode:
        for action in actions:
            command = command_for(action, bootstrap_servers, bin_dir)
            code, stdout, stderr = module.run_command(command)
            if code != 0:
                module.fail_json(
                    msg="%s of topic %s failed (exit code %d): %s"
                    % (action["action"], action["topic"], code, (stderr or stdout).strip()[-2000:]),
                    command=command, actions=actions,
                )

    module.exit_json(changed=bool(actions), actions=actions)


if __name__ == "__main__":
    main()
