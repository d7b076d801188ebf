// `floatip lab`: the network-namespace lab. Parses, checks root and tools, runs one verb, prints what happened.

import { Command, CliIo, EXIT_FAILED, EXIT_OK } from '../command';
import {
  formatLabStatus, labAddNode, labCommandLine, labDown, labExec, labFail, labHeal, labPartition, labStatus, labUp, parseLabArgs, preflight,
  UpResult,
} from '../../lab';
import { DemoRequest, LabTarget } from '../../lab/args';
import { DaemonStartReport } from '../../lab/daemons';
import { labDemo } from '../../lab/demo';
import { notRootMessage } from '../../lab/demo-format';

const USAGE = `usage: floatip lab VERB [--prefix PREFIX] [--dir DIR] ...

A cluster of network namespaces on this machine: a switch with a private
(mesh) and a public (client) bridge, N nodes with one veth to each, a client,
and one floatipd per node. Needs root.

  up [--nodes N] [--ips M] [--ipv6] [--ips6 K] [--profile default|fast|ultra]
     [--no-daemons] [--floatipd PATH] [--start-timeout SECONDS] [--cluster-lock SPEC]
        build the lab (3 nodes, 3 IPv4 addresses by default) and start the daemons.
        --ipv6 adds as many IPv6 addresses as IPv4 ones (--ips6 K: exactly K);
        --no-daemons builds the network and files only; --cluster-lock gives every
        node cluster_lock = SPEC and quorum = "lock" (e.g. fcntl:/tmp/lab.lock).
  status [--json]
        links, daemons, which namespace holds each public address, cluster status.
  fail NODE --mode kill|link|freeze|stop|monitor [--links all|public|private]
        kill: SIGKILL; freeze: SIGSTOP; stop: SIGTERM (a planned stop);
        link: the node's switch ports go down (--links: which; default all);
        monitor: the node's monitor event fails (its 90.labcheck script).
  heal [NODE]
        undo the faults of NODE (or of every node, and end a partition):
        links up, monitor passing, SIGCONT, restart a dead floatipd.
  partition GROUP GROUP...
        split the private network, e.g. \`partition 0,1 2\`; every node once.
  add-node [--start-timeout SECONDS]
        one more node namespace: its line is appended to every node's nodes
        file, its floatipd starts; then run \`floatip reloadnodes\` on a node
        of the lab (the others learn of it only then, as in a real cluster).
  exec NODE|client|switch -- COMMAND [ARGS...]
        run a command inside a namespace of the lab.
  down
        remove every namespace, link, process and file of the lab (found by
        prefix, so it also cleans up after a crash); fine to run twice.
  demo [--nodes N] [--ips M] [--ipv6] [--profile default|fast|ultra]
       [--mode kill|link|freeze|stop|monitor] [--node NODE] [--floatipd PATH]
        build a lab (3 nodes, 6 addresses), show the balanced assignment,
        fail the node holding the most addresses (kill -9 unless --mode),
        show each address's way to a survivor with the time until the client
        reached it again, heal, show failback, and take the lab down (also
        on Ctrl-C). Exit 0 when every address came back and none was ever on
        two nodes; 1 otherwise; 130 when interrupted.

Names: namespaces and links are PREFIX-... (default prefix flab); files in
DIR (default /run/floatip-lab/PREFIX).`;

function printStartReports(reports: readonly DaemonStartReport[], io: CliIo): boolean {
  const failed = reports.filter((r) => !r.up);
  const up = reports.filter((r) => r.up).map((r) => r.pnn);
  if (up.length > 0) io.stdout(`floatipd up on node${up.length > 1 ? 's' : ''} ${up.join(', ')}\n`);
  for (const report of failed) io.stderr(`node ${report.pnn}: floatipd did not come up: ${report.problem}\n`);
  return failed.length === 0;
}

function describeUp(result: UpResult): string {
  const { plan } = result;
  const { names, options } = plan;
  const last = plan.nodes.length - 1;
  return [
    `lab ${names.prefix} is up: ${plan.nodes.length} node${last > 0 ? 's' : ''} (${names.nodeNamespace(0)}${last > 0 ? `..${names.nodeNamespace(last)}` : ''}), `
      + `client ${names.clientNamespace}, switch ${names.switchNamespace}`,
    `  private network 192.0.2.0/24 on bridge ${names.privateBridge}; public network on bridge ${names.publicBridge}, `
      + `client at ${plan.clientAddresses.map((a) => a.address.text).join(', ')}`,
    `  ${options.ipv4Addresses} IPv4 and ${options.ipv6Addresses} IPv6 public addresses; timing profile ${options.profile}; files in ${options.dir}`,
    '',
  ].join('\n');
}

/** Exit status of a demo stopped by Ctrl-C or SIGTERM: 128 + SIGINT, as a shell reports it. */
const EXIT_INTERRUPTED = 130;

async function runDemo(target: LabTarget, request: DemoRequest, io: CliIo): Promise<number> {
  const uid = process.geteuid?.();
  if (uid !== 0) {
    io.stderr(notRootMessage(uid));
    return EXIT_FAILED;
  }
  await preflight();
  const outcome = await labDemo(target, request, io.stdout);
  if (outcome.interrupted) return EXIT_INTERRUPTED;
  io.stdout(outcome.ok ? 'Result: every address came back, and none was ever on two nodes.\n'
    : 'Result: FAILED (see above). `floatip lab up`, `fail` and `status` let you look closer.\n');
  return outcome.ok ? EXIT_OK : EXIT_FAILED;
}

async function runLab(args: readonly string[], io: CliIo): Promise<number> {
  const command = parseLabArgs(args, process.cwd());
  if (command.verb === 'demo') return runDemo(command.target, command.demo, io);
  await preflight();
  const { target } = command;
  switch (command.verb) {
    case 'up': {
      const result = await labUp(target, command.up);
      io.stdout(describeUp(result));
      if (!command.up.daemons) {
        io.stdout('no floatipd started (--no-daemons)\n');
        return EXIT_OK;
      }
      if (printStartReports(result.daemons, io)) return EXIT_OK;
      io.stderr(`The lab stays up so you can look (\`${labCommandLine('status', target.prefix)}\`, logs in ${target.dir}/nodeN/floatipd.log); `
        + `\`${labCommandLine('down', target.prefix)}\` removes it.\n`);
      return EXIT_FAILED;
    }
    case 'down': {
      const report = await labDown(target);
      const removed = report.namespaces.length + report.processes.length + report.links.length;
      io.stdout(removed === 0 && !report.directoryRemoved ? `nothing of lab ${target.prefix} was left\n`
        : `lab ${target.prefix} removed: ${report.namespaces.length} namespaces, ${report.processes.length} processes, `
          + `${report.links.length} stray links${report.directoryRemoved ? `, ${target.dir}` : ''}\n`);
      return EXIT_OK;
    }
    case 'status': {
      const status = await labStatus(target);
      io.stdout(command.json ? `${JSON.stringify(status, null, 2)}\n` : formatLabStatus(status));
      return EXIT_OK;
    }
    case 'fail':
      io.stdout(`${await labFail(target, command.pnn, command.mode, command.links)}\n`);
      return EXIT_OK;
    case 'heal': {
      const result = await labHeal(target, command.pnn);
      io.stdout(result.actions.map((a) => `${a}\n`).join(''));
      return printStartReports(result.daemons, io) ? EXIT_OK : EXIT_FAILED;
    }
    case 'partition':
      io.stdout(`${await labPartition(target, command.groups)}\n`);
      return EXIT_OK;
    case 'add-node': {
      const added = await labAddNode(target, command.startTimeoutMs);
      io.stdout(`node ${added.node.pnn} added: namespace ${added.node.namespace}, private address ${added.node.privateAddress.text}, `
        + `appended to the nodes file of every node\n`);
      if (added.daemon !== undefined && !printStartReports([added.daemon], io)) return EXIT_FAILED;
      io.stdout(`now run: floatip reloadnodes --socket ${added.reloadSocket}\n`);
      return EXIT_OK;
    }
    case 'exec':
      return labExec(target, command.place, command.command);
  }
}

export const labCommand: Command = {
  name: 'lab',
  summary: 'run a cluster of network namespaces on this machine (up, status, fail, heal, partition, add-node, exec, down, demo)',
  usage: USAGE,
  run: runLab,
};
