using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventEngine.Events;
using EventEngine.Model;
using EventEngine.Model.Patches;
using EventEngine.Revisions;
using EventEngine.State;
using EventEngine.Validation;

namespace EventEngine.Decisions;

/// <summary>DaemonSet commands: create, replace, merge patch, rollback, delete.</summary>
public static class DaemonSetDecisions
{
    public static Decided Create(ClusterState s, DaemonSet input, DateTimeOffset now, Func<Guid> newId)
    {
        var ds = Normalize(input);
        var errors = DaemonSetRules.ValidateCreate(ds);
        var what = $"DaemonSet {ds.Metadata?.Namespace}/{ds.Metadata?.Name}";
        if (errors.Count > 0) return Failure.Invalid(what, errors);
        var meta = ds.Metadata!;
        var key = meta.Namespace + "/" + meta.Name;
        if (s.DaemonSets.ContainsKey(key)) return Failure.Conflict($"daemonset {key} already exists");
        var uid = meta.Uid ?? newId().ToString();
        if (s.DaemonSetsByUid.ContainsKey(uid)) return Failure.Conflict($"uid {uid} belongs to another DaemonSet");

        var stored = ds with
        {
            Metadata = meta with { Uid = uid, CreationTimestamp = now, Annotations = WithGeneration(meta.Annotations, 1) },
        };
        var (revision, adopted) = RevisionHistory.ForNewDaemonSet(s, meta.Namespace!, meta.Name!, ds.Spec!.Selector!, ds.Spec.Template!);
        return Decided.Of(new DaemonSetCreated(key, uid, stored, 1, 1, revision, adopted));
    }

    /// <summary>
    /// Replace the object. Generation moves on any spec change, template generation and the revision only on a
    /// template change; an identical object records nothing.
    /// </summary>
    public static Decided Replace(ClusterState s, string key, DaemonSet input)
    {
        if (!s.DaemonSets.TryGetValue(key, out var current)) return Failure.NotFound($"daemonset {key}");
        var meta = input.Metadata ?? new ObjectMeta();
        if (meta.Name is { } name && name != current.Name)
            return Failure.Invalid($"DaemonSet {key}", "metadata.name", $"Invalid value: \"{name}\": does not match the name in the path");
        if (meta.Namespace is { } ns && ns != current.Namespace)
            return Failure.Invalid($"DaemonSet {key}", "metadata.namespace", $"Invalid value: \"{ns}\": does not match the namespace in the path");
        if (meta.Uid is { } uid && uid != current.Uid)
            return Failure.Conflict($"metadata.uid {uid} does not match daemonset {key} (uid {current.Uid})");

        var ds = Normalize(input with { Metadata = meta with { Name = current.Name, Namespace = current.Namespace } });
        var errors = DaemonSetRules.ValidateUpdate(ds, current.Object);
        if (errors.Count > 0) return Failure.Invalid($"DaemonSet {key}", errors);

        var templateChanged = !ds.Spec!.Template!.Equals(current.Template);
        var specChanged = Canonical(ds.Spec) != Canonical(current.Spec);
        var generation = current.Generation + (specChanged ? 1 : 0);
        var templateGeneration = current.TemplateGeneration + (templateChanged ? 1 : 0);
        var stored = ds with
        {
            Metadata = ds.Metadata! with
            {
                Uid = current.Uid,
                CreationTimestamp = current.Object.Metadata!.CreationTimestamp,
                Annotations = WithGeneration(ds.Metadata.Annotations, templateGeneration),
            },
        };
        var metaChanged = !NodeDecisions.SameMap(Map(stored.Metadata!.Labels), Map(current.Object.Metadata!.Labels))
            || !NodeDecisions.SameMap(Map(stored.Metadata.Annotations), Map(current.Object.Metadata.Annotations));
        if (!specChanged && !metaChanged) return Decided.Nothing($"daemonset {key} unchanged");
        var revision = templateChanged ? RevisionHistory.ForTemplate(s, current, ds.Spec.Template!) : null;
        return Decided.Of(new DaemonSetUpdated(key, stored, generation, templateGeneration, revision));
    }

    /// <summary>JSON merge patch of the object as served, defaulted again like a create.</summary>
    public static Decided Patch(ClusterState s, string key, JsonNode patch) => Patch(s, key, ObjectPatch.Merge(patch));

    /// <summary>A patch of the object as served (merge, strategic merge or JSON patch), defaulted again like a create.</summary>
    public static Decided Patch(ClusterState s, string key, ObjectPatch patch)
    {
        if (!s.DaemonSets.TryGetValue(key, out var current)) return Failure.NotFound($"daemonset {key}");
        var served = Json.ToNode(current.Object).AsObject();
        DaemonSet ds;
        try
        {
            ds = Manifests.Deserialize<DaemonSet>(patch.Apply(served, "apps/v1", "DaemonSet"));
        }
        catch (PatchException e)
        {
            return Patched.Refused($"DaemonSet {key}", e);
        }
        catch (ManifestException e)
        {
            return Failure.Malformed(e.Message, e.Path);
        }
        return Replace(s, key, ds);
    }

    /// <summary>Create, or replace if it exists (what apply does).</summary>
    public static Decided Upsert(ClusterState s, DaemonSet ds, DateTimeOffset now, Func<Guid> newId)
    {
        var meta = ds.Metadata;
        return meta?.Namespace is { } ns && meta.Name is { } name && s.DaemonSets.ContainsKey(ns + "/" + name)
            ? Replace(s, ns + "/" + name, ds)
            : Create(s, ds, now, newId);
    }

    /// <summary>kubectl rollout undo --to-revision (0: the previous revision).</summary>
    public static Decided Rollback(ClusterState s, string key, long toRevision)
    {
        if (!s.DaemonSets.TryGetValue(key, out var current)) return Failure.NotFound($"daemonset {key}");
        var history = s.RevisionsOf(current).ToList();
        RevisionState? target;
        if (toRevision == 0)
        {
            if (history.Count <= 1) return Failure.Invalid($"DaemonSet {key}", "toRevision", "no last revision to roll back to");
            target = history[^2];
        }
        else
        {
            target = history.FirstOrDefault(r => r.Number == toRevision);
            if (target is null) return Failure.Invalid($"DaemonSet {key}", "toRevision", $"unable to find specified revision {toRevision} in history");
        }
        if (target.Template.Equals(current.Template))
            return Decided.Nothing($"skipped rollback (current template already matches revision {target.Number})");

        var templateGeneration = current.TemplateGeneration + 1;
        var meta = current.Object.Metadata!;
        var stored = current.Object with
        {
            Metadata = meta with { Annotations = WithGeneration(meta.Annotations, templateGeneration) },
            Spec = current.Spec with { Template = target.Template },
        };
        var revision = RevisionHistory.ForTemplate(s, current, target.Template);
        return Decided.Of(new DaemonSetRolledBack(key, target.Number, stored, current.Generation + 1, templateGeneration, revision));
    }

    public static Decided Delete(ClusterState s, string key, string? propagationPolicy)
    {
        var policy = string.IsNullOrEmpty(propagationPolicy) ? DeletionPolicy.Background : propagationPolicy;
        if (policy is not (DeletionPolicy.Background or DeletionPolicy.Foreground or DeletionPolicy.Orphan))
            return Failure.Invalid($"DaemonSet {key}", "propagationPolicy",
                $"Unsupported value: \"{policy}\": supported values: \"Background\", \"Foreground\", \"Orphan\"");
        if (!s.DaemonSets.TryGetValue(key, out var current)) return Failure.NotFound($"daemonset {key}");
        return Decided.Of(new DaemonSetDeleted(key, current.Uid, policy));
    }

    /// <summary>
    /// A ControllerRevision of a recorded cluster, taken as the revision of its owning DaemonSet with that template
    /// (<see cref="DaemonSetRevisionObserved"/>); nothing when the engine holds it already under that name and number.
    /// </summary>
    public static Decided ObserveRevision(ClusterState s, ControllerRevision revision)
    {
        var meta = revision.Metadata ?? new ObjectMeta();
        var what = $"ControllerRevision {meta.Namespace}/{meta.Name}";
        var owner = meta.OwnerReferences?.FirstOrDefault(o => o.Kind == "DaemonSet" && o.Controller == true);
        if (owner?.Uid is not { } uid || !s.DaemonSetsByUid.TryGetValue(uid, out var key))
            return Failure.NotFound($"the DaemonSet that controls {what} ({owner?.Name ?? "no owner"})");
        if (revision.Template() is not { } found) return Failure.Invalid(what, "data.spec.template", "Required value: a DaemonSet's revision holds its pod template");
        if (revision.Revision < 1) return Failure.Invalid(what, "revision", $"Invalid value: {revision.Revision}: must be greater than 0");

        var ds = s.DaemonSets[key];
        var template = Defaults.Apply(found);
        var errors = new List<FieldError>();
        if (string.IsNullOrEmpty(meta.Name)) errors.Add(new FieldError("metadata.name", "Required value: name is required"));
        else if (NameRules.DnsSubdomain(meta.Name) is { } nameError) errors.Add(new FieldError("metadata.name", $"Invalid value: \"{meta.Name}\": {nameError}"));
        var hash = meta.Labels?.GetValueOrDefault(WellKnown.RevisionHashLabel)
            ?? (meta.Name is { } named && named.StartsWith(ds.Name + "-", StringComparison.Ordinal) ? named[(ds.Name.Length + 1)..] : meta.Name ?? "");
        if (hash.Length == 0 || NameRules.LabelValue(hash) is not null)
            errors.Add(new FieldError($"metadata.labels[{WellKnown.RevisionHashLabel}]", $"Invalid value: \"{hash}\": the revision's hash must be a label value, and not empty"));
        // the template as a DaemonSet of the owner's would hold it: the same rules, under data.spec.template
        errors.AddRange(DaemonSetRules.ValidateCreate(ds.Object with { Spec = ds.Object.Spec! with { Template = template } })
            .Select(e => e.Field.StartsWith("spec.template", StringComparison.Ordinal) ? e with { Field = "data." + e.Field } : e));
        if (errors.Count > 0) return Failure.Invalid(what, errors);
        var existing = s.Revisions.GetValueOrDefault(ds.Namespace + "/" + meta.Name);
        if (existing is not null && existing.Number == revision.Revision && existing.Hash == hash && existing.Template.Equals(template))
            return Decided.Nothing($"{what} is recorded");
        var sameTemplate = s.RevisionsOf(ds).Where(r => r.Template.Equals(template)).ToList();
        var replaces = existing ?? (sameTemplate.Count > 0 ? RevisionHistory.Keep(sameTemplate) : null);
        return Decided.Of(new DaemonSetRevisionObserved(key, meta.Name!, revision.Revision, hash, template, replaces?.Name));
    }

    /// <summary>
    /// A recorded cluster's ControllerRevision is gone: its controller pruned it. The current revision stays (a
    /// controller never prunes it; one that appears to was recorded under the engine's own name before the cluster's).
    /// </summary>
    public static Decided ForgetRevision(ClusterState s, string key)
    {
        if (!s.Revisions.TryGetValue(key, out var revision) || revision.OwnerUid is not { } uid
            || !s.DaemonSetsByUid.TryGetValue(uid, out var owner) || !s.DaemonSets.TryGetValue(owner, out var ds))
            return Decided.Nothing($"revision {key} is not recorded");
        if (revision.Hash == ds.CurrentHash) return Decided.Nothing($"revision {key} is the current revision of DaemonSet {owner}");
        return Decided.Of(new DaemonSetRevisionsPruned(owner, [revision.Number]));
    }

    /// <summary>Defaulted, with the fields the server owns (status, generation, resourceVersion) dropped.</summary>
    private static DaemonSet Normalize(DaemonSet input)
    {
        var ds = Defaults.Apply(input) with { Status = null };
        var meta = ds.Metadata ?? new ObjectMeta();
        return ds with
        {
            Metadata = new ObjectMeta
            {
                Name = meta.Name, Namespace = meta.Namespace, Uid = meta.Uid,
                Labels = meta.Labels is { } l ? Views.Sorted(l) : null,
                Annotations = meta.Annotations is { } a ? Views.Sorted(a) : null,
            },
        };
    }

    /// <summary>apps/v1 keeps the template generation in this annotation; pods carry it as pod-template-generation.</summary>
    private static SortedDictionary<string, string> WithGeneration(IReadOnlyDictionary<string, string>? annotations, long generation) =>
        new(Map(annotations).ToDictionary(), StringComparer.Ordinal)
        {
            [WellKnown.TemplateGenerationAnnotation] = generation.ToString(CultureInfo.InvariantCulture),
        };

    private static IReadOnlyDictionary<string, string> Map(IReadOnlyDictionary<string, string>? map) =>
        map ?? new Dictionary<string, string>();

    private static string Canonical(DaemonSetSpec spec) => CanonicalJson.Of(spec);
}
