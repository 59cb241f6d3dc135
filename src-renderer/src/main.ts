import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { connect } from './lib/client';

const backend = connect();
mount(App, { target: document.getElementById('app')!, props: { backend } });
