// Runs before every test file: Nest's decorators need the Reflect metadata API.
import 'reflect-metadata';
