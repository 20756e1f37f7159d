namespace EventEngine.Core.Tests.Patches;

/// <summary>
/// Objects as the server returned them to kubectl 1.32 in the captures (notes, kubectl-captures.txt): the node node-1
/// and the DaemonSet agent created by `kubectl apply -f ds.yaml`, with the last-applied annotations kubectl wrote.
/// </summary>
internal static class Captured
{
    public const string LastAppliedKey = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>ds.yaml: env A=1, busybox:1.36.</summary>
    public const string LastAppliedA = """{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"annotations":{},"labels":{"app":"agent"},"name":"agent","namespace":"default"},"spec":{"selector":{"matchLabels":{"app":"agent"}},"template":{"metadata":{"labels":{"app":"agent"}},"spec":{"containers":[{"env":[{"name":"A","value":"1"}],"image":"busybox:1.36","name":"agent","ports":[{"containerPort":8080}]}],"tolerations":[{"effect":"NoSchedule","key":"node-role.kubernetes.io/control-plane","operator":"Exists"}]}}}}""" + "\n";

    /// <summary>ds2.yaml: env B=2, busybox:1.37.</summary>
    public const string LastAppliedB = """{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"annotations":{},"labels":{"app":"agent"},"name":"agent","namespace":"default"},"spec":{"selector":{"matchLabels":{"app":"agent"}},"template":{"metadata":{"labels":{"app":"agent"}},"spec":{"containers":[{"env":[{"name":"B","value":"2"}],"image":"busybox:1.37","name":"agent","ports":[{"containerPort":8080}]}],"tolerations":[{"effect":"NoSchedule","key":"node-role.kubernetes.io/control-plane","operator":"Exists"}]}}}}""" + "\n";

    public const string Node1 = """
        {"apiVersion":"v1","kind":"Node",
         "metadata":{"creationTimestamp":"2026-12-04T12:51:42Z",
                     "labels":{"kubernetes.io/arch":"amd64","kubernetes.io/hostname":"node-1","kubernetes.io/os":"linux"},
                     "name":"node-1","resourceVersion":"1003","uid":"db5673b6-3355-4924-8f94-b1a29365aad4"},
         "spec":{},
         "status":{"addresses":[{"address":"10.0.0.1","type":"InternalIP"},{"address":"node-1","type":"Hostname"}],
                   "allocatable":{"cpu":"4","memory":"8Gi","pods":"110"},
                   "capacity":{"cpu":"4","memory":"8Gi","pods":"110"},
                   "conditions":[{"lastHeartbeatTime":"2026-12-04T12:51:42Z","lastTransitionTime":"2026-12-04T12:51:42Z",
                                  "message":"ok","reason":"KubeletReady","status":"True","type":"Ready"}],
                   "nodeInfo":{"architecture":"amd64","bootID":"","containerRuntimeVersion":"containerd://1.7.0",
                               "kernelVersion":"6.1.0","kubeProxyVersion":"","kubeletVersion":"v1.32.4","machineID":"",
                               "operatingSystem":"linux","osImage":"Fake OS","systemUUID":""}}}
        """;

    public const string DedicatedTaint = """{"effect":"NoSchedule","key":"dedicated","value":"infra"}""";
    public const string OtherTaint = """{"effect":"NoExecute","key":"other","value":"x"}""";

    /// <summary>The agent container as the server defaults it, with the env and image given.</summary>
    public static string Container(string env, string image) => $$$"""
        {"env":{{{env}}},"image":"{{{image}}}","imagePullPolicy":"IfNotPresent","name":"agent",
         "ports":[{"containerPort":8080,"protocol":"TCP"}],"resources":{},
         "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}
        """;

    /// <summary>The containers of ds.yaml: env A=1, busybox:1.36.</summary>
    public static readonly string ContainersA = $"[{Container(EnvA, "busybox:1.36")}]";

    public const string EnvA = """[{"name":"A","value":"1"}]""";

    public const string Toleration = """{"effect":"NoSchedule","key":"node-role.kubernetes.io/control-plane","operator":"Exists"}""";

    /// <summary>The DaemonSet agent: created from ds.yaml unless other containers and annotation are given.</summary>
    public static string Agent(string? containers = null, string lastApplied = LastAppliedA) => $$$"""
        {"apiVersion":"apps/v1","kind":"DaemonSet",
         "metadata":{"annotations":{"deprecated.daemonset.template.generation":"1","{{{LastAppliedKey}}}":{{{Canonical.Quote(lastApplied)}}}},
                     "creationTimestamp":"2026-12-04T12:51:50Z","generation":1,"labels":{"app":"agent"},"name":"agent",
                     "namespace":"default","resourceVersion":"1010","uid":"a4ad1b52-78a6-44a4-af5c-63593f4fa7dc"},
         "spec":{"revisionHistoryLimit":10,"selector":{"matchLabels":{"app":"agent"}},
                 "template":{"metadata":{"labels":{"app":"agent"}},
                             "spec":{"containers":{{{containers ?? ContainersA}}},
                                     "dnsPolicy":"ClusterFirst","restartPolicy":"Always","schedulerName":"default-scheduler",
                                     "securityContext":{},"terminationGracePeriodSeconds":30,
                                     "tolerations":[{{{Toleration}}}]}},
                 "updateStrategy":{"rollingUpdate":{"maxSurge":0,"maxUnavailable":1},"type":"RollingUpdate"}},
         "status":{"currentNumberScheduled":2,"desiredNumberScheduled":2,"numberAvailable":2,"numberMisscheduled":0,
                   "numberReady":2,"observedGeneration":1,"updatedNumberScheduled":2}}
        """;
}
