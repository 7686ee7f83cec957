"""The plenary calendar (each Plenary and Intersessional meeting) and the people the
communiqués name as chairing the KP or its bodies."""
