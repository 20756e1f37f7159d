using System.Text.Json.Nodes;

namespace EventEngine.Integration.Tests.Recording;

/// <summary>
/// Objects as a Kubernetes API server shows them to the recorder (list items carry no kind), in namespace default:
/// nodes, DaemonSets selecting app=NAME, the ControllerRevisions their controller writes, and the pods they own, with
/// uids, resourceVersions and controlling owner references.
/// </summary>
public static class ClusterObjects
{
    public static JsonObject Node(string name, string resourceVersion = "1", JsonObject? labels = null)
    {
        var metadata = new JsonObject { ["name"] = name, ["uid"] = "node-uid-" + name, ["resourceVersion"] = resourceVersion };
        if (labels is not null) metadata["labels"] = labels;
        return new JsonObject { ["metadata"] = metadata, ["spec"] = new JsonObject(), ["status"] = new JsonObject() };
    }

    /// <summary>
    /// A pod template labelled app=<paramref name="app"/> with one container (and a node selector when given); with
    /// <paramref name="defaulted"/>, as the API server stores it.
    /// </summary>
    public static JsonObject Template(string app, string image, bool defaulted = false, JsonObject? nodeSelector = null)
    {
        var container = new JsonObject { ["name"] = app, ["image"] = image };
        var spec = new JsonObject { ["containers"] = new JsonArray(container) };
        if (nodeSelector is not null) spec["nodeSelector"] = nodeSelector;
        if (defaulted)
        {
            container["imagePullPolicy"] = "IfNotPresent";
            container["terminationMessagePath"] = "/dev/termination-log";
            container["terminationMessagePolicy"] = "File";
            spec["restartPolicy"] = "Always";
            spec["terminationGracePeriodSeconds"] = 30;
            spec["dnsPolicy"] = "ClusterFirst";
            spec["schedulerName"] = "default-scheduler";
        }
        return new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = app } }, ["spec"] = spec };
    }

    /// <summary>A DaemonSet with this template, rolling one node at a time (maxUnavailable 1, maxSurge 0).</summary>
    public static JsonObject DaemonSet(string name, string uid, JsonObject template, string resourceVersion = "2", int revisionHistoryLimit = 10) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default", ["uid"] = uid, ["resourceVersion"] = resourceVersion },
        ["spec"] = new JsonObject
        {
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = template.DeepClone(),
            ["updateStrategy"] = new JsonObject
            {
                ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["maxUnavailable"] = 1, ["maxSurge"] = 0 },
            },
            ["revisionHistoryLimit"] = revisionHistoryLimit,
        },
    };

    /// <summary>A ControllerRevision as the DaemonSet controller writes it: NAME-HASH, the template as a replacing patch, owned by the DaemonSet.</summary>
    public static JsonObject Revision(string daemonSet, string uid, string hash, long number, JsonObject template, string resourceVersion = "3")
    {
        var replace = template.DeepClone().AsObject();
        replace["$patch"] = "replace";
        return new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{daemonSet}-{hash}", ["namespace"] = "default", ["resourceVersion"] = resourceVersion,
                ["labels"] = new JsonObject { ["app"] = daemonSet, ["controller-revision-hash"] = hash },
                ["ownerReferences"] = Owner(daemonSet, uid),
            },
            ["data"] = new JsonObject { ["spec"] = new JsonObject { ["template"] = replace } },
            ["revision"] = number,
        };
    }

    /// <summary>A running, ready pod of the DaemonSet on a node, of the revision with that hash (none: no hash label).</summary>
    public static JsonObject Pod(string name, string node, string daemonSet, string uid, string? hash, string resourceVersion = "4") => new()
    {
        ["metadata"] = new JsonObject
        {
            ["name"] = name, ["namespace"] = "default", ["resourceVersion"] = resourceVersion,
            ["labels"] = hash is null ? new JsonObject { ["app"] = daemonSet } : new JsonObject { ["app"] = daemonSet, ["controller-revision-hash"] = hash },
            ["ownerReferences"] = Owner(daemonSet, uid),
        },
        ["spec"] = new JsonObject { ["nodeName"] = node, ["containers"] = new JsonArray(new JsonObject { ["name"] = daemonSet, ["image"] = daemonSet }) },
        ["status"] = new JsonObject
        {
            ["phase"] = "Running", ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }),
        },
    };

    private static JsonArray Owner(string daemonSet, string uid) =>
        new(new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "DaemonSet", ["name"] = daemonSet, ["uid"] = uid, ["controller"] = true });
}
