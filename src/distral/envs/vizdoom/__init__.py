"""The ViZDoom task suites: the engine, the gymnasium env, the task families and their
rewards, labmaze layouts written as WADs, the scripted agents and the suites' pictures."""
