"""Monthly contracts for a resident's charger in their own parking space (seed 003, Charge
Club; 001 SmartTech's monthly billing): contracts, their terms, meters and monthly readings."""
