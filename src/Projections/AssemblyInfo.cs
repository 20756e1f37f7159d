namespace EventEngine.Projections;

/// <summary>Marker for the projections assembly.</summary>
public static class ProjectionsAssembly;
